""" "Sync now" on the Connections page with everything real: the session's Prefect server and
`improve serve`, an `improve web` on the same register, and a ServiceNow on loopback that holds
its first page until the test lets it go, so the run is seen queued or running, then done."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from ci_workflow.store.db import transaction
from ci_workflow.store.intake.connections import by_name
from tests import processes
from tests.browser import chromium
from tests.flows.conftest import AUTH, Served, use
from tests.helpers import Cli
from tests.processes import until as wait_for
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import START, change, incident
from tests.web.conftest import password_of, post_form, sign_in
from tests.web.test_connections import SECRET, add, asked_in_audit, text_of
from tests.web.test_people_admin import _shoot, _sign_in_as

pytestmark = pytest.mark.slow  # a real Prefect server and flows: run by .ci/run (make test-slow)

CARMEN, LENA = "carmen@example.org", "lena@example.org"
NAME = "snow-now"
INCIDENTS, CHANGES = 12, 4


@pytest.fixture
def web(served: Served, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`improve web` on the served register; the test's own commands use that register too."""
    use(served, monkeypatch)
    for email in (CARMEN, LENA):
        processes.run_improve(
            served.env, "people", "passwd", email, "--password-stdin", stdin=password_of(email)
        )
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    log = served.home / "web-sync-now.log"
    process = processes.start(
        [*processes.improve_command(), "web", "--port", str(port)],
        env={**served.env, "IMPROVE_WEB_URL": url},
        log=log,
    )
    processes.wait_until(
        lambda: httpx.get(f"{url}/sign-in", timeout=2).status_code == 200,
        timeout=60,
        what="improve web",
        log=log,
    )
    yield url
    processes.stop(process)


@pytest.fixture
def tool() -> Iterator[tuple[Instance, threading.Event]]:
    """ServiceNow with 12 incidents and 4 changes, whose first page waits for ``release``."""
    release = threading.Event()
    with servicenow() as served:
        served.tables["incident"] = [
            incident(n, START + timedelta(minutes=n)) for n in range(INCIDENTS)
        ]
        served.tables["change_request"] = [change(n, START) for n in range(CHANGES)]
        served.after_page[1] = lambda: release.wait(120) and None
        try:
            yield served, release
        finally:
            release.set()


@pytest.fixture
def signed_in(web: str) -> Iterator[Callable[[str], httpx.Client]]:
    """A browser-like client of the workspace, signed in as ``email``; closed afterwards."""
    clients: list[httpx.Client] = []

    def client(email: str) -> httpx.Client:
        clients.append(httpx.Client(base_url=web, follow_redirects=False, timeout=30))
        assert sign_in(clients[-1], email, password_of(email)).status_code == 303
        return clients[-1]

    yield client
    for made in clients:
        made.close()


def _run(flow_run_id: str, served: Served) -> dict:  # type: ignore[type-arg]
    answer = httpx.get(f"{served.server.api_url}/flow_runs/{flow_run_id}", auth=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _screenshots(web: str, folder: Path) -> int:
    """The page with the sync running, at 1366 and 390 px (PNGs in ``folder``); its width at
    390 px."""
    browser = chromium(folder / "profile")
    try:
        space = SimpleNamespace(url=web)
        _sign_in_as(browser, space, CARMEN, password_of(CARMEN))
        return _shoot(browser, space, folder, "connections-sync-running", "/connections")
    finally:
        browser.quit()


def _card(page: str) -> str:
    start = page.index(f'id="{NAME}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_sync_now_starts_a_run_that_the_page_follows_to_its_result(
    served: Served,
    web: str,
    signed_in: Callable[[str], httpx.Client],
    tool: tuple[Instance, threading.Event],
    tmp_path: Path,
) -> None:
    instance, release = tool
    Cli().run("connections", "remove", NAME)
    add(instance, NAME, SECRET)  # on demand: the schedule never syncs it by itself
    lena = signed_in(LENA)
    assert post_form(lena, "/me", f"/connections/{NAME}/sync").status_code == 403
    assert asked_in_audit(NAME) == []  # refused before anything started
    carmen = signed_in(CARMEN)
    try:
        # The press comes back while the tool still holds its first page: nothing was synced
        # inside the request.
        pressed = post_form(carmen, "/connections", f"/connections/{NAME}/sync")
        assert pressed.status_code == 303 and pressed.headers["location"].startswith("/connections")
        page = carmen.get("/connections").text
        assert f"{NAME}: sync queued;" in text_of(page)
        card = text_of(_card(page))
        assert "Sync queued" in card or "Sync running" in card
        assert "asked by Carmen Ruiz" in card and "New 0" not in card
        twin = {c["name"]: c for c in carmen.get("/api/connections").json()}[NAME]
        asked = twin["asked"]
        assert asked["asked_by"] == "Carmen Ruiz" and asked["progress"] in ("queued", "running")
        run = _run(asked["flow_run_id"], served)
        assert run["parameters"] == {"connection": NAME}
        deployment = httpx.get(
            f"{served.server.api_url}/deployments/{run['deployment_id']}", auth=AUTH, timeout=10
        ).json()
        assert deployment["name"] == "sync-itsm"
        assert asked_in_audit(NAME) == ["Carmen Ruiz"]

        wait_for(
            lambda: "Sync running" in text_of(_card(carmen.get("/connections").text)) or None,
            what="the sync running, held by the tool",
        )
        assert 'disabled title="A sync is running"' in _card(carmen.get("/connections").text)
        # A second press (a page loaded before, another tab) is refused by the workspace.
        again = post_form(carmen, "/connections", f"/connections/{NAME}/sync")
        assert again.status_code == 303
        said = text_of(carmen.get("/connections").text)
        assert f"{NAME}: no sync started: a sync is already running; wait until it ends" in said
        assert asked_in_audit(NAME) == ["Carmen Ruiz"]  # the second press started nothing
        assert _screenshots(web, tmp_path) <= 390
    finally:
        release.set()
    wait_for(
        lambda: _run(asked["flow_run_id"], served)["state_type"] == "COMPLETED" or None,
        what="the sync's run completed",
    )
    page = carmen.get("/connections").text
    card = _card(page)
    assert "Sync queued" not in card and "Sync running" not in card
    assert f'<td class="n" data-label="New">{INCIDENTS}</td>' in card
    assert f'<td class="n" data-label="New">{CHANGES}</td>' in card
    listed = Cli().json("connections", "list")
    tables = {t["table"]: t for t in next(c for c in listed if c["name"] == NAME)["tables"]}
    assert (tables["incident"]["imported"], tables["change_request"]["imported"]) == (
        INCIDENTS,
        CHANGES,
    )
    # Its run over, the connection may be synced again; the run forgot itself.
    assert 'disabled title="A sync is' not in card
    assert {c["name"]: c for c in carmen.get("/api/connections").json()}[NAME]["asked"] is None
    Cli().ok("connections", "remove", NAME)


def test_a_run_that_ended_without_its_sync_is_said(
    served: Served, signed_in: Callable[[str], httpx.Client], instance_url: str
) -> None:
    """A run Prefect no longer knows (its database was reset) never syncs: said on the page."""
    Cli().run("connections", "remove", NAME)
    add(Instance(instance_url), NAME, SECRET)
    lost = str(uuid.uuid4())
    with transaction() as session:
        connection = by_name(session, NAME)
        assert connection is not None
        connection.sync_run_id, connection.sync_asked_by = lost, "Carmen Ruiz"
        connection.sync_asked_at = datetime.now(UTC) - timedelta(hours=3)
    carmen = signed_in(CARMEN)
    card = text_of(_card(carmen.get("/connections").text))
    assert (
        "The sync asked by Carmen Ruiz 3 h ago ended without a result: Not found in Prefect"
    ) in card
    assert "Sync queued" not in card and "Sync running" not in card
    Cli().ok("connections", "remove", NAME)


@pytest.fixture
def instance_url() -> Iterator[str]:
    with servicenow() as served:
        yield served.url
