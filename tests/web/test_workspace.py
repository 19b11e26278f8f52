"""The web workspace as people use it over HTTP: signing in, sessions, CSRF, the pages and their
JSON twins, what each person may see and do, and everything people typed escaped."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ci_workflow.services.register.browse import audit_trail, show_improvement
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.processes import improve_command
from tests.web.conftest import Workspace, csrf_of, password_of, post_form, sign_in
from tests.web.helpers import new_improvement, waiting_at_plan_approval

LENA, OMAR, CARMEN, PRIYA = (
    "lena@example.org",
    "omar@example.org",
    "carmen@example.org",
    "priya@example.org",
)


def events(action: str, improvement: str | None = None) -> list[dict[str, object]]:
    """Audit events of one improvement, or of the register (people, sign-ins) via the store."""
    if improvement:
        return [e.model_dump() for e in audit_trail(improvement)[1] if e.action == action]
    from sqlmodel import select

    from ci_workflow.store.db import transaction
    from ci_workflow.store.tables import AuditEvent

    with transaction(write=False) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [r.model_dump() for r in rows]


def test_pages_need_a_signed_in_person_and_sign_in_is_audited(use: Workspace) -> None:
    client = use.client()
    answer = client.get("/register")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/register"
    assert client.get("/api/register").status_code == 401
    assert sign_in(client, OMAR, "not the password").status_code == 401
    assert sign_in(client, "nobody@example.org", "whatever").status_code == 401
    answer = sign_in(client, OMAR, password_of(OMAR))
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "Omar Haddad" in client.get("/").text
    signed = [e for e in events("signed_in") if e["actor"] == "Omar Haddad"]
    assert signed and signed[-1]["channel"] == "web" and signed[-1]["principal"] == OMAR
    failures = events("sign_in_failed")
    assert any("wrong password" in str(e["detail"]) for e in failures)
    assert any(e["actor"] == "unknown" for e in failures)
    post_form(client, "/", "/sign-out")
    assert client.get("/").status_code == 303


def test_repeated_failures_lock_the_account_out(use: Workspace) -> None:
    client = use.client()
    for _ in range(5):
        assert sign_in(client, PRIYA, "wrong password!").status_code == 401
    refused = sign_in(client, PRIYA, password_of(PRIYA))  # the right one, too late
    assert refused.status_code == 401 and "wrong e-mail or password" in refused.text  # as anyone
    assert any("locked out" in str(e["detail"]) for e in events("sign_in_failed"))
    from ci_workflow.services.people.notifications import dispatch

    assert use.mailbox is not None
    before = len(use.mailbox.received)
    dispatch()  # the watchdog's next round tells Priya, who alone reads her e-mail
    (told,) = [m for m in use.mailbox.received[before:] if m["To"] == PRIYA]
    assert "locked" in told["Subject"]
    from ci_workflow.store.db import transaction
    from ci_workflow.store.people.people import get_person

    with transaction() as session:  # the lock-out ends (as it would after 15 minutes)
        person = get_person(session, PRIYA)
        person.locked_until = None
        session.add(person)
    assert sign_in(client, PRIYA, password_of(PRIYA)).status_code == 303


def test_a_session_unused_too_long_ends(use: Workspace) -> None:
    """The session cookie, signed as the workspace signs it, with its last use an hour and a
    minute ago: the workspace asks to sign in again."""
    import base64
    import hashlib
    import hmac
    import json

    import itsdangerous

    from ci_workflow.settings import secret_key

    key = hmac.new(secret_key(), b"session cookies", hashlib.sha256).hexdigest()
    client = use.signed_in(OMAR)
    assert client.get("/").status_code == 200
    payload = itsdangerous.TimestampSigner(key).unsign(client.cookies["improve_session"])
    session = json.loads(base64.b64decode(payload))
    session["seen"] = time.time() - 61 * 60
    forged = itsdangerous.TimestampSigner(key).sign(base64.b64encode(json.dumps(session).encode()))
    client.cookies.set("improve_session", forged.decode())
    answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


def test_a_form_without_its_csrf_token_is_refused(use: Workspace, tmp_path: Path) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    client = use.signed_in(OMAR)
    for token in ("", "forged"):
        answer = client.post(
            f"/improvements/{shown}/decide",
            data={"decision": "reject", "comment": "no", "csrf": token},
        )
        assert answer.status_code == 403
    assert client.post("/me", data={"notify": "digest"}).status_code == 403
    assert use.improve("show", shown, "--json").count('"status": "awaiting_approval"') == 1
    refused = events("forbidden")
    assert any("CSRF" in str(e["detail"]) and e["actor"] == "Omar Haddad" for e in refused)


def test_who_may_not_decide_sees_no_form_and_a_forged_post_is_refused(
    use: Workspace, tmp_path: Path
) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    lena = use.signed_in(LENA)  # the owner: a team member, not an approver
    page = lena.get(f"/improvements/{shown}")
    assert page.status_code == 200 and "Waiting at plan approval" in page.text
    assert f'action="/improvements/{shown}/decide"' not in page.text
    assert "You may not decide this gate." in page.text
    forged = lena.post(
        f"/improvements/{shown}/decide",
        data={
            "decision": "approve",
            "gate": "plan-approval-1",
            "csrf": csrf_of(lena, f"/improvements/{shown}"),
        },
    )
    assert forged.status_code == 403
    assert "Lena Fischer may not decide plan_approval" in forged.text
    (audited,) = events("forbidden", shown)
    assert (audited["actor"], audited["channel"], audited["principal"]) == (
        "Lena Fischer",
        "web",
        LENA,
    )
    token = csrf_of(lena, f"/improvements/{shown}")
    api = lena.post(
        f"/api/improvements/{shown}/decisions",
        json={"decision": "approve"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403 and "may not decide" in api.json()["error"]  # the same rule
    assert (
        lena.post(f"/api/improvements/{shown}/decisions", json={"decision": "approve"}).status_code
        == 403
    )
    omar = use.signed_in(OMAR)
    assert f'action="/improvements/{shown}/decide"' in omar.get(f"/improvements/{shown}").text
    assert use.improve("show", shown, "--json").count('"status": "awaiting_approval"') == 1


def test_every_page_escapes_what_people_typed(use: Workspace, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    shown = waiting_at_plan_approval(
        use,
        tmp_path,
        title=f"{evil} faster fixes",
        vision=f"{evil} vision",
        plan=[{"action": f"{evil} route", "owner": "Lena Fischer"}],
    )
    carmen = use.signed_in(CARMEN)
    post_form(carmen, "/people", "/people", name=f"{evil} Mallory", email="mallory@example.org")
    pages = [
        "/",
        "/register",
        f"/improvements/{shown}",
        "/practice",
        "/people",
        "/opportunities",
        f"/improvements/{shown}/report",
        "/me",
    ]
    for path in pages:
        answer = carmen.get(path)
        assert answer.status_code == 200, path
        assert "<script>" not in answer.text, path
        assert "script-src 'none'" in answer.headers["content-security-policy"], path
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; faster fixes"
        in carmen.get(f"/improvements/{shown}").text
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in carmen.get("/people").text


def test_the_register_filters_sorts_pages_and_exports(use: Workspace, tmp_path: Path) -> None:
    for n in range(3):
        new_improvement(
            use,
            tmp_path,
            title=f"Register row {n}",
            service="Payroll",
            strategic_impact=5,
            feasibility=5 - n,
        )
    omar = use.signed_in(OMAR)
    listed = omar.get("/api/register", params={"service": "payroll", "sort": "priority"}).json()
    assert [r["title"] for r in listed["improvements"]] == [
        "Register row 0",
        "Register row 1",
        "Register row 2",
    ]
    assert listed["total"] == 3 and listed["page_size"] == 50
    html = omar.get("/register", params={"service": "PAYROLL"}).text
    assert "3 improvements" in html and "Register row 2" in html
    exported = omar.get("/register.csv", params={"service": "payroll"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv")
    assert [r["title"] for r in rows] == ["Register row 0", "Register row 1", "Register row 2"]
    everything = omar.get("/api/register").json()["total"]
    assert omar.get("/api/register", params={"page": 99}).json()["improvements"] == []
    assert everything >= 3


def test_pages_have_json_twins_with_the_same_content(use: Workspace, tmp_path: Path) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    omar = use.signed_in(OMAR)
    work = omar.get("/api/my-work").json()
    assert shown in [g["id"] for g in work["gates"]]
    assert shown in omar.get("/").text
    detail = omar.get(f"/api/improvements/{shown}").json()
    assert detail["may_decide"] is True and detail["decisions"] == ["approve", "reject", "rework"]
    assert detail["pending"]["key"] == "plan-approval-1"
    lena = use.signed_in(LENA).get(f"/api/improvements/{shown}").json()
    assert lena["may_decide"] is False and lena["editable_actions"] == [0]  # she owns it
    practice = omar.get("/api/practice").json()
    assert any(w["approver"] == "Omar Haddad" for w in practice["waiting"])
    assert omar.get("/api/people").status_code == 403  # the same rule as the page
    assert use.signed_in(CARMEN).get("/api/people").status_code == 200


def test_a_plan_action_is_updated_by_its_owner_or_an_editor_only(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path, plan=[{"action": "Route it", "owner": "Priya Nair"}])
    grace = use.signed_in("grace@example.org")  # approver of another process
    assert post_form(grace, "/", f"/improvements/{shown}/plan/0", status="done").status_code == 403
    priya = use.signed_in(PRIYA)
    assert (
        post_form(
            priya, f"/improvements/{shown}", f"/improvements/{shown}/plan/0", status="in_progress"
        ).status_code
        == 303
    )
    plan = priya.get(f"/api/improvements/{shown}").json()["improvement"]["plan"]
    assert plan[0]["status"] == "in_progress"
    (progress,) = events("plan_progress", shown)
    assert progress["actor"] == "Priya Nair" and progress["channel"] == "web"


def test_a_ci_manager_manages_people_and_invites_them(use: Workspace) -> None:
    assert use.mailbox is not None
    carmen = use.signed_in(CARMEN)
    assert use.signed_in(OMAR).get("/people").status_code == 403
    post_form(
        carmen,
        "/people",
        "/people",
        name="Nina Berg",
        email="nina@example.org",
        roles="improvement_team",
    )
    refused = post_form(
        carmen, "/people", "/people/nina@example.org", roles="ci_manager:Service Desk"
    )
    assert refused.status_code == 303
    assert "takes no scope" in carmen.get("/people").text  # the message, and nothing changed
    post_form(
        carmen, "/people", "/people/nina@example.org", roles="process_owner:Problem Management"
    )
    nina = next(p for p in carmen.get("/api/people").json() if p["email"] == "nina@example.org")
    assert nina["roles"] == ["process_owner:Problem Management"]
    before = len(use.mailbox.received)
    post_form(carmen, "/people", "/people/nina@example.org", action="invite")
    (mail,) = use.mailbox.received[before:]
    assert mail["To"] == "nina@example.org"
    link = re.search(r"(http://\S+/invitation/\S+)", mail.get_payload(decode=True).decode())
    assert link and link.group(1).startswith(use.url)
    path = link.group(1).removeprefix(use.url)
    fresh = use.client()
    assert "Welcome, Nina Berg" in fresh.get(path).text
    new_password = "a long new password"
    assert (
        post_form(fresh, path, path, password=new_password, again=new_password).status_code == 303
    )
    assert "Nina Berg" in fresh.get("/").text
    assert use.client().get(path).status_code == 404  # a link works once
    post_form(carmen, "/people", "/people/nina@example.org", action="deactivate")
    assert fresh.get("/").status_code == 303  # signed out at the next request
    assert sign_in(use.client(), "nina@example.org", new_password).status_code == 401
    assert any("deactivated Nina Berg" in str(e["detail"]) for e in events("people_changed"))


def test_personal_tokens_let_the_cli_decide_and_apply_as_a_person(
    use: Workspace, tmp_path: Path
) -> None:
    answer = httpx.post(f"{use.url}/api/tokens", json={"email": LENA, "password": "wrong"})
    assert answer.status_code == 401
    token = httpx.post(
        f"{use.url}/api/tokens", json={"email": LENA, "password": password_of(LENA)}
    ).json()["token"]
    me = httpx.get(f"{use.url}/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["name"] == "Lena Fischer"
    assert (
        httpx.get(f"{use.url}/api/me", headers={"Authorization": "Bearer imp_nope"}).status_code
        == 401
    )
    home = tmp_path / "cli-home"
    cli_env = {**use.env, "IMPROVE_HOME": str(home)}  # another machine: no register of its own

    def improve_there(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*improve_command(), *args],
            env=cli_env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=120,
        )

    logged_in = improve_there("login", "--email", LENA, "--password-stdin", stdin=password_of(LENA))
    assert logged_in.returncode == 0, logged_in.stderr
    assert (home / "token.json").stat().st_mode & 0o777 == 0o600
    shown = new_improvement(use, tmp_path)
    changed = write_yaml(
        tmp_path,
        improvement_doc(key=show_improvement(shown).key, title="Changed from another machine"),
    )
    applied = improve_there("apply", str(changed))
    assert applied.returncode == 0 and "updated" in applied.stdout, applied.stderr
    (updated,) = events("updated", shown)
    assert (updated["actor"], updated["channel"], updated["principal"]) == (
        "Lena Fischer",
        "api",
        LENA,
    )
    grace_file = write_yaml(
        tmp_path, improvement_doc(key=show_improvement(shown).key, title="Mine now")
    )
    improve_there("logout")
    improve_there(
        "login",
        "--email",
        "grace@example.org",
        "--password-stdin",
        stdin=password_of("grace@example.org"),
    )
    refused = improve_there("apply", str(grace_file))
    assert refused.returncode == 1
    assert "Grace Kim may not change" in refused.stderr
    assert show_improvement(shown).title == "Changed from another machine"


@pytest.mark.parametrize("trusted", [True, False])
def test_a_trusted_proxy_signs_people_in_and_no_one_else_does(
    tmp_path: Path, trusted: bool
) -> None:
    from tests import processes
    from tests.web.conftest import start_workspace

    space = start_workspace(
        tmp_path,
        {
            "IMPROVE_WEB_AUTH": "proxy",
            "IMPROVE_TRUSTED_PROXIES": "127.0.0.1" if trusted else "10.9.9.9",
        },
    )
    try:
        header = {"X-Forwarded-Email": OMAR}
        answer = httpx.get(f"{space.url}/", headers=header)
        if trusted:
            assert answer.status_code == 200 and "Omar Haddad" in answer.text
            assert (
                httpx.get(
                    f"{space.url}/", headers={"X-Forwarded-Email": "eve@example.org"}
                ).status_code
                == 401
            )
        else:
            assert answer.status_code == 401  # the header from an untrusted address is ignored
        assert (
            httpx.get(f"{space.url}/sign-in").status_code == 401
        )  # no password form behind a proxy
    finally:
        space.close_clients()
        processes.stop(space.process)


def test_an_objectives_chart_is_its_own_image_kept_until_the_data_change(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    omar = use.signed_in(OMAR)
    page = omar.get(f"/improvements/{shown}").text
    assert f'<img src="/improvements/{shown}/charts/mttr_hours.svg"' in page
    empty = omar.get(f"/improvements/{shown}/charts/mttr_hours.svg")
    assert empty.headers["content-type"] == "image/svg+xml" and "no measurement yet" in empty.text
    tag = empty.headers["etag"]
    assert (
        omar.get(
            f"/improvements/{shown}/charts/mttr_hours.svg", headers={"If-None-Match": tag}
        ).status_code
        == 304
    )
    use.improve("record", shown, "mttr_hours", "8.2", "--as", "Lena Fischer", "--at", "2026-11-01")
    drawn = omar.get(f"/improvements/{shown}/charts/mttr_hours.svg", headers={"If-None-Match": tag})
    assert drawn.status_code == 200 and drawn.headers["etag"] != tag
    assert drawn.text.startswith("<svg") and "8.2" in drawn.text
    # Shown as an image, whose scripts never run; and the workspace allows none anyway.
    assert "script-src 'none'" in drawn.headers["content-security-policy"]
    assert omar.get(f"/improvements/{shown}/charts/nope.svg").status_code == 404


def test_a_request_larger_than_the_limit_is_refused_unread(use: Workspace) -> None:
    client = use.signed_in(LENA)
    huge = {"files": [{"name": "a.yaml", "text": "x" * 1_000_000}] * 21}
    answer = client.post("/api/apply", json=huge, headers={"X-CSRF-Token": "irrelevant"})
    assert answer.status_code == 413
    assert answer.text == "the request is larger than 20,000,000 bytes"

    def streamed() -> Iterator[bytes]:  # chunked: no length declared up front
        for _ in range(25):
            yield b"x" * 1_000_000

    headers = {"X-CSRF-Token": csrf_of(client, "/me"), "Content-Type": "application/json"}
    answer = client.post("/api/apply", content=streamed(), headers=headers)
    assert answer.status_code == 413, answer.text


def test_an_opportunity_page_explains_its_rank_and_lists_its_signals(
    use: Workspace, tmp_path: Path
) -> None:
    evil = "<b>Net</b>"
    lines = [
        "incident_id,opened,resolved,closed,category,service,priority,group,sla_met,"
        "reopens,reassignments,problem,change"
    ]
    start = datetime(2026, 1, 1)
    for n in range(120):
        slow = n % 3 == 0  # one in three: the evil category, slow and late
        opened = start + timedelta(hours=17 * n)
        hours = 60 if slow else 4
        category, met = (evil, "no") if slow else ("Mail", "yes")
        lines.append(
            f"W{n},{opened:%Y-%m-%d %H:%M},{opened + timedelta(hours=hours):%Y-%m-%d %H:%M},,"
            f"{category},Svc,P3,Team{n % 2},{met},0,0,,"
        )
    export = tmp_path / "web-incidents.csv"
    export.write_text("\n".join(lines) + "\n")
    mapping = Path(__file__).resolve().parents[2] / "examples/mappings/generic_incidents.yaml"
    Cli().ok("import", "incidents", str(export), "--mapping", str(mapping))
    found = Cli().json("opportunities", "detect", "--all")["opportunities"]
    (net,) = [o for o in found if o["group"] == evil]
    assert {s["kind"] for s in net["evidence"]["signals"]} == {"long_resolution", "sla_breach"}
    page = use.signed_in(CARMEN).get(f"/opportunities/{net['number']}").text
    assert "<b>Net</b>" not in page and "&lt;b&gt;Net&lt;/b&gt;" in page
    assert net["evidence"]["ranking"] in page
    assert "misses its SLA" in page and "to resolve" in page


def test_anyone_signed_in_submits_an_idea_from_the_opportunities_page(use: Workspace) -> None:
    lena = use.signed_in(LENA)
    sent = post_form(
        lena,
        "/opportunities",
        "/ideas",
        title="<i>Self-service</i> password resets",
        description="Most calls on Mondays are locked accounts",
    )
    assert sent.status_code == 303
    shown = lena.get(sent.headers["location"]).text
    assert "&lt;i&gt;Self-service&lt;/i&gt; password resets" in shown and "<i>Self" not in shown
    assert "Most calls on Mondays are locked accounts" in shown and "Lena Fischer" in shown
    assert "Accept into the register" not in shown  # she may submit, not triage
    number = int(sent.headers["location"].rsplit("/", 1)[1])
    assert "Accept into the register" in use.signed_in(CARMEN).get(f"/opportunities/{number}").text
    token = httpx.post(
        f"{use.url}/api/tokens", json={"email": PRIYA, "password": password_of(PRIYA)}
    ).json()["token"]
    answer = httpx.post(
        f"{use.url}/api/ideas",
        json={"title": "Chat for the service desk"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200 and answer.json()["group"] == "Priya Nair"
