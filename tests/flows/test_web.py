"""The workspace with everything real: a Prefect server, `improve serve`, `improve web`, an SMTP
server, and Debian's Chromium driven through chromium-driver. A process owner is told by e-mail,
opens the gate from the link, signs in and approves; the improvement executes. An answer typed
into the Prefect UI's form does not count under IMPROVE_PREFECT_UI_DECISIONS=refuse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ci_workflow.services.register.browse import audit_trail, show_improvement
from tests import processes
from tests.browser import chromium, until_replaced
from tests.flows.conftest import AUTH, PrefectServer, Served, serve_register, use
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.processes import until as wait_for
from tests.servers import Mailbox
from tests.web.conftest import password_of

pytestmark = pytest.mark.slow  # a real Prefect server and flows: run by .ci/run (make test-slow)

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OMAR = "omar@example.org"


class Site:
    def __init__(
        self, served: Served, url: str, process: processes.subprocess.Popen[bytes]
    ) -> None:
        self.served, self.url, self.process = served, url, process


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, module_mailbox: Mailbox) -> Iterator[Site]:
    """Its own Prefect server: an `improve serve` of another register on the session's server
    would serve the same deployments and could take these runs."""
    prefect_server = PrefectServer(tmp_path_factory.mktemp("web-prefect"))
    home = tmp_path_factory.mktemp("web-register")
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    extra = {
        "IMPROVE_WEB_URL": url,
        "IMPROVE_PREFECT_UI_DECISIONS": "refuse",
        "IMPROVE_SMTP_HOST": "127.0.0.1",
        "IMPROVE_SMTP_PORT": str(module_mailbox.port),
        "IMPROVE_SMTP_STARTTLS": "false",
    }
    served = serve_register(prefect_server, home, extra=extra)
    for email in (OMAR, "lena@example.org"):
        processes.run_improve(
            served.env, "people", "passwd", email, "--password-stdin", stdin=password_of(email)
        )
    log = home / "web.log"
    web = processes.start(
        [*processes.improve_command(), "web", "--port", str(port)], env=served.env, log=log
    )
    processes.wait_until(
        lambda: httpx.get(f"{url}/sign-in", timeout=2).status_code == 200,
        timeout=60,
        what="improve web",
        log=log,
    )
    yield Site(served, url, web)
    processes.stop(web)
    served.stop()
    prefect_server.stop()


def _started(site: Site, cli: Cli, folder: Path, key: str) -> str:
    cli.ok("apply", str(write_yaml(folder, improvement_doc(key=key, title=f"Route {key} faster"))))
    cli.ok("start", key)
    shown = show_improvement(key).id
    wait_for(
        lambda: show_improvement(key).status == "awaiting_approval", what=f"{shown} at its gate"
    )
    return shown


def _chrome(profile: Path):  # type: ignore[no-untyped-def]
    return chromium(profile, "--window-size=1280,1800")


def test_a_process_owner_approves_from_the_e_mails_link_in_a_browser(
    site: Site, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path, module_mailbox: Mailbox
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    use(site.served, monkeypatch)
    shown = _started(site, cli, tmp_path, "browser-approval")
    mail = wait_for(
        lambda: next(
            (m for m in module_mailbox.received if m["To"] == OMAR and shown in m["Subject"]), None
        ),
        what="the gate's e-mail",
    )
    assert mail["Subject"].startswith(shown) and mail["Subject"].endswith(": approval needed")
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    link = re.search(r"(http://\S+)", text.get_payload(decode=True).decode()).group(1)  # type: ignore[union-attr]
    assert link == f"{site.url}/improvements/{shown}#decide"
    browser = _chrome(tmp_path / "profile")
    try:
        browser.get(link)  # not signed in: the sign-in page, then back to the gate
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "password"))
        browser.find_element(By.ID, "email").send_keys(OMAR)
        browser.find_element(By.ID, "password").send_keys(password_of(OMAR))
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "comment"))
        assert f"/improvements/{shown}" in browser.current_url
        browser.find_element(By.ID, "comment").send_keys("Go ahead <b>now</b>")
        browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=approve]").click()
        said = WebDriverWait(browser, 60).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, "p.message")
        )
        assert "approve sent to plan-approval-1" in said[0].text, said[0].text

        def executing(b):  # type: ignore[no-untyped-def]
            b.get(f"{site.url}/improvements/{shown}")
            return "executing" in b.find_element(By.TAG_NAME, "p").text

        WebDriverWait(browser, 90, poll_frequency=1).until(executing)
        ARTEFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTEFACTS / "improvement-page.png"))
        assert "Go ahead &lt;b&gt;now&lt;/b&gt;" in browser.page_source  # shown, not obeyed
    except Exception:
        ARTEFACTS.mkdir(exist_ok=True)  # what the browser showed, for whoever reads the failure
        browser.save_screenshot(str(ARTEFACTS / "improvement-page-failed.png"))
        (ARTEFACTS / "improvement-page-failed.html").write_text(browser.page_source)
        raise
    finally:
        browser.quit()
    (decision,) = show_improvement(shown).gate_decisions
    assert (decision.by, decision.channel, decision.principal) == ("Omar Haddad", "web", OMAR)
    moved = [e for e in audit_trail(shown)[1] if e.to_status == "approved"]
    assert moved and moved[0].channel == "web" and moved[0].principal == OMAR


def test_an_answer_typed_into_the_prefect_ui_does_not_count_under_refuse(
    site: Site, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path
) -> None:
    use(site.served, monkeypatch)
    shown = _started(site, cli, tmp_path, "typed-in-prefect")
    run = show_improvement(shown).flow_run_id

    # What the Prefect UI's resume form sends: a name typed in "by", no signature. (Prefect
    # stores the form's schema a moment after the run suspends: until then it says REJECT. On a
    # busy machine its server may also answer an error: asked again, unless the answer already
    # reached the flow, which then refuses it.)
    def typed_in() -> str | None:
        if any(e.action == "gate_refused" for e in audit_trail(shown)[1]):
            return "accepted"
        answer = httpx.post(
            f"{site.served.server.api_url}/flow_runs/{run}/resume",
            auth=AUTH,
            json={"run_input": {"by": "Omar Haddad", "decision": "approve"}},
            timeout=30,
        )
        status = answer.json().get("status") if answer.status_code < 300 else None
        return "accepted" if status == "ACCEPT" else None

    wait_for(typed_in, what="Prefect to take the typed answer")
    refused = wait_for(
        lambda: [e for e in audit_trail(shown)[1] if e.action == "gate_refused"], what="the refusal"
    )
    assert "unsigned answer" in refused[0].detail and refused[0].channel == "prefect-ui"
    assert refused[0].principal == "unverified"
    wait_for(
        lambda: any(g.key == "plan-approval-2" for g in _pending(shown)), what="the gate again"
    )
    assert (
        show_improvement(shown).status == "awaiting_approval"
        and not show_improvement(shown).gate_decisions
    )
    token = httpx.post(
        f"{site.url}/api/tokens", json={"email": OMAR, "password": password_of(OMAR)}
    ).json()["token"]
    sent = httpx.post(
        f"{site.url}/api/improvements/{shown}/decisions",
        json={"decision": "approve"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert sent.status_code == 200, sent.text
    wait_for(lambda: show_improvement(shown).status == "executing", what=f"{shown} executing")
    (decision,) = show_improvement(shown).gate_decisions
    assert (decision.channel, decision.principal, decision.attempt) == ("api", OMAR, 2)


def _pending(shown: str) -> list:  # type: ignore[type-arg]
    from ci_workflow.services.views.waiting_gates import pending_gates

    return pending_gates(shown)


def test_a_sign_off_over_a_failed_source_needs_the_warnings_read(
    site: Site, monkeypatch: pytest.MonkeyPatch, cli: Cli, tmp_path: Path
) -> None:
    """Issue 22, end to end: the source never answers; completing from the CLI is refused until
    --confirm; at the review (whose final capture failed too) the sign-off page shows the
    warning, is refused without the ticked box, and closes the improvement with it."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from ci_workflow.settings import get_settings
    from tests.flows.test_lifecycle import wait_for as waits_at
    from tests.helpers import objective_doc

    use(site.served, monkeypatch)
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", "127.0.0.0/8")  # to apply it; the flow's reads fail
    get_settings.cache_clear()
    source = {"kind": "http", "url": "http://127.0.0.1:9/mttr", "path": "value", "retries": 0}
    doc = improvement_doc(
        key="failed-source", title="Read a dead source", objectives=[objective_doc(source=source)]
    )
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    cli.ok("start", "failed-source")
    shown = show_improvement("failed-source").id
    waits_at(cli, shown, gate="plan-approval-1")
    cli.ok("approve", shown, "--as", "Omar Haddad")
    waits_at(cli, shown, gate="execution-complete-1")
    refused = " ".join(" ".join(cli.fails("complete", shown, "--as", "Lena Fischer")).split())
    assert "1 of 1 objective (mttr_hours) has no measurement" in refused and "--confirm" in refused
    cli.ok("complete", shown, "--as", "Lena Fischer", "--confirm")
    waits_at(cli, shown, gate="review-signoff-1")
    browser = _chrome(tmp_path / "profile")
    try:
        browser.get(f"{site.url}/improvements/{shown}#decide")
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "password"))
        browser.find_element(By.ID, "email").send_keys(OMAR)
        browser.find_element(By.ID, "password").send_keys(password_of(OMAR))
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "warnings"))
        warned = browser.find_element(By.ID, "warnings").text
        assert "the http source failed once since" in warned, warned

        def accept(tick: bool) -> str:
            browser.find_element(By.ID, "lessons").send_keys("Check the source before the review")
            if tick:
                browser.find_element(By.ID, "confirm").click()
            button = browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=accept]")
            button.click()
            # The page before the click may show a message too: read the one of the page after.
            until_replaced(browser, button)
            said = WebDriverWait(
                browser, 60, ignored_exceptions=(StaleElementReferenceException,)
            ).until(lambda b: [m.text for m in b.find_elements(By.CSS_SELECTOR, "p.message")])
            return str(said[0])

        assert accept(tick=False).startswith("Tick “I have read the warnings” to accept")
        assert browser.find_elements(By.ID, "confirm")  # still waiting: the form is back
        assert "accept sent to review-signoff-1" in accept(tick=True)
    except Exception:
        ARTEFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTEFACTS / "sign-off-warnings-failed.png"))
        raise
    finally:
        browser.quit()
    wait_for(lambda: show_improvement(shown).status == "closed", what=f"{shown} closed")
    confirmed = [e for e in audit_trail(shown)[1] if e.action == "warnings_confirmed"]
    assert [e.channel for e in confirmed] == ["cli", "web"]
    assert confirmed[1].principal == OMAR and "over 1 warning" in confirmed[1].detail
