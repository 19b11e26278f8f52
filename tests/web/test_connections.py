"""The Connections page (a CI manager's) and its JSON twin: each connection's last sync, rows
and error, a sync started from the page, and everybody else kept out."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import select

from ci_workflow.cli.app import app
from ci_workflow.domain.clock import history_at
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent, ChangeRecord, Incident
from tests.browser import chromium
from tests.helpers import Cli
from tests.services.intake.glpi_server import glpi
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_glpi_sync import INCIDENTS, TICKETS, USER_TOKEN, ticket
from tests.services.intake.test_servicenow_sync import START, change, incident
from tests.web.conftest import Workspace, password_of, post_form
from tests.web.test_people_admin import _shoot, _sign_in_as

CARMEN, LENA = "carmen@example.org", "lena@example.org"
SECRET = "s3cret-Pa55"
NO_ERROR = '<td data-label="Last error"><span class="muted">none</span></td>'


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def instance(use: Workspace) -> Iterator[Instance]:
    Cli().run("connections", "remove", "snow")
    Cli().run("connections", "remove", "lab")
    with transaction() as session:  # the records another test of this workspace synced
        session.execute(delete(Incident))
        session.execute(delete(ChangeRecord))
    with servicenow() as served:
        served.tables["incident"] = [incident(n, START + timedelta(minutes=n)) for n in range(12)]
        served.tables["change_request"] = [change(n, START) for n in range(4)]
        yield served


def add(instance: Instance, name: str, secret: str, *extra: str) -> None:
    args = ["connections", "add", name, "--kind", "servicenow", "--url", instance.url]
    args += ["--user", "sync.user", "--secret-stdin", *extra]
    result = Cli().runner.invoke(app, args, input=f"{secret}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_a_ci_manager_sees_each_sync_and_a_failed_one_once(
    use: Workspace, instance: Instance
) -> None:
    add(instance, "snow", SECRET, "--every", "15m")
    add(instance, "lab", "<b>wrong</b>")
    Cli().ok("connections", "sync", "snow")  # the CLI syncs in the foreground, as before
    assert Cli().run("connections", "sync", "lab").exit_code != 0
    carmen = use.signed_in(CARMEN)
    assert '<a href="/connections">Connections</a>' in carmen.get("/").text
    page = carmen.get("/connections").text
    shown = text_of(page)
    assert "synced every 15m" in shown and "secret kept (***)" in shown
    assert SECRET not in page and "<b>wrong</b>" not in page
    newest = f"{START + timedelta(minutes=11):%Y-%m-%d %H:%M:%S} UTC"
    assert f"Read up to {newest}" in shown or newest in shown
    # lab's sync failed as a whole: its error is said once, not on each of its four tables.
    lab = text_of(page[page.index('id="lab"') : page.index('id="snow"')])
    said = "The last sync failed: 127.0.0.1 refused the credentials"
    assert lab.count(said) == 1 and lab.count("refused the credentials") == 1
    assert "Last error" not in lab
    snow = page[page.index('id="snow"') :]
    assert "The last sync failed" not in snow
    assert snow.count(NO_ERROR) == 4  # its four tables, each without an error
    twin = {c["name"]: c for c in carmen.get("/api/connections").json()}
    assert twin["snow"]["secret"] == "***" and twin["snow"]["error"] is None
    incidents = twin["snow"]["tables"][0]
    assert (incidents["table"], incidents["imported"], incidents["error"]) == ("incident", 12, None)
    assert "refused the credentials" in twin["lab"]["error"]
    assert all(t["error"] == twin["lab"]["error"] for t in twin["lab"]["tables"])
    assert twin["lab"]["tables"][0]["synced_at"] is None
    # The terminal's list says it once too: lab's first row, then "(as above)" for its others.
    listed = Cli().ok("connections", "list").stdout
    assert listed.count("(as above)") == len(twin["lab"]["tables"]) - 1


def test_sync_now_with_prefect_unreachable_says_so_once_and_records_nothing(
    use: Workspace, instance: Instance
) -> None:
    """The workspace's Prefect API is a port that refuses (tests/conftest.py): nothing runs."""
    add(instance, "snow", SECRET)
    carmen = use.signed_in(CARMEN)
    answer = post_form(carmen, "/connections", "/connections/snow/sync")
    assert answer.status_code == 303
    shown = text_of(carmen.get("/connections").text)
    assert shown.count("snow: no sync started: cannot reach the Prefect API") == 1
    assert "Sync queued" not in shown and "Sync running" not in shown
    assert instance.requests == []  # the tool was never asked
    twin = Cli().json("connections", "list")[0]
    assert all(t["synced_at"] is None and t["error"] is None for t in twin["tables"])
    assert asked_in_audit("snow") == []


def test_a_deletion_listing_held_is_said_on_its_table_not_as_a_failed_sync(
    use: Workspace, instance: Instance
) -> None:
    """The tool lists 1 of the 12 incidents synced (a right lost, say): nothing is marked, the
    incident table says why, and the sync, which wrote, is not called failed."""
    add(instance, "snow", SECRET)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    with history_at(now):
        Cli().ok("connections", "sync", "snow")
    instance.tables["incident"][:] = instance.tables["incident"][:1]
    with history_at(now + timedelta(days=1)):
        Cli().ok("connections", "sync", "snow")
    page = use.signed_in(CARMEN).get("/connections").text
    card = page[page.index('id="snow"') :]
    snow = text_of(card)
    assert "11 records synced before are missing from the tool's listing" in snow
    assert "The last sync failed" not in snow and "nothing was written" not in snow
    assert card.count(NO_ERROR) == 3  # the other three tables
    listed = Cli().json("connections", "list")[0]
    assert listed["error"] is None and listed["tables"][0]["failed"] is False
    assert listed["tables"][0]["deleted"] == 0


def asked_in_audit(name: str) -> list[str]:
    """Who asked for a "Sync now" of the connection, by the audit trail."""
    with transaction(write=False) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "connection_sync_asked")
        )
        return [e.actor for e in events if e.detail.startswith(f"{name}: ")]


def test_nobody_else_sees_or_syncs_connections(use: Workspace, instance: Instance) -> None:
    add(instance, "snow", SECRET)
    lena = use.signed_in(LENA)
    assert "/connections" not in lena.get("/").text
    assert lena.get("/connections").status_code == 403
    assert lena.get("/api/connections").status_code == 403
    assert post_form(lena, "/me", "/connections/snow/sync").status_code == 403
    assert post_form(lena, "/me", "/connections/snow", secret="x", every="1h").status_code == 403
    assert Cli().json("connections", "list")[0]["every"] is None
    tokens = {}
    for email in (LENA, CARMEN):
        sent = {"email": email, "password": password_of(email)}
        tokens[email] = httpx.post(f"{use.url}/api/tokens", json=sent).json()["token"]
    with httpx.Client(base_url=use.url, timeout=30) as api:
        bearer = {"Authorization": f"Bearer {tokens[LENA]}"}
        assert api.post("/api/connections/snow/sync", headers=bearer).status_code == 403
        change = api.patch("/api/connections/snow", headers=bearer, json={"every": "1h"})
        assert change.status_code == 403
        assert instance.requests == []  # the tool was never asked
        bearer = {"Authorization": f"Bearer {tokens[CARMEN]}"}
        done = api.post("/api/connections/snow/sync", headers=bearer)
    # Allowed, but this workspace's Prefect cannot be reached: said, nothing started.
    assert done.status_code == 400 and "cannot reach the Prefect API" in done.json()["error"]
    assert instance.requests == []


def test_a_ci_manager_changes_the_secret_and_period_from_the_page_and_the_api(
    use: Workspace, instance: Instance
) -> None:
    add(instance, "snow", "an-old-one", "--every", "15m")
    carmen = use.signed_in(CARMEN)
    page = carmen.get("/connections").text
    form = page[page.index('action="/connections/snow"') :]
    assert '<input type="password" name="secret" autocomplete="new-password"' in form
    assert 'value="15m"' in form and "an-old-one" not in page
    sent = post_form(carmen, "/connections", "/connections/snow", secret=SECRET, every="1h")
    assert sent.status_code == 303
    shown = text_of(carmen.get("/connections").text)
    assert "snow changed: secret; every 1h." in shown and "synced every 1h" in shown
    assert SECRET not in carmen.get("/connections").text
    # Now the password ServiceNow knows: the sync reads as the connection's user.
    Cli().ok("connections", "sync", "snow")
    assert carmen.get("/connections").text.count(NO_ERROR) == 4
    assert Cli().json("connections", "list")[0]["tables"][0]["imported"] == 12
    bad = post_form(carmen, "/connections", "/connections/snow", every="1s")
    assert bad.status_code == 303
    assert "--every: '1s' is not a period" in text_of(carmen.get("/connections").text)
    sent = {"email": CARMEN, "password": password_of(CARMEN)}
    bearer = {
        "Authorization": f"Bearer {httpx.post(f'{use.url}/api/tokens', json=sent).json()['token']}"
    }
    with httpx.Client(base_url=use.url, timeout=30, headers=bearer) as api:
        done = api.patch("/api/connections/snow", json={"every": "off", "user": "sync.user"})
        refused = api.patch("/api/connections/snow", json={"url": "ftp://x"})
        misspelt = api.patch("/api/connections/snow", json={"evry": "1h"})
    assert done.status_code == 200
    assert done.json()["changed"] == ["every off"]
    assert done.json()["connection"]["every"] is None
    assert done.json()["connection"]["secret"] == "***"
    assert refused.status_code == 400 and "--url" in refused.json()["error"]
    assert misspelt.status_code == 422
    assert Cli().json("connections", "list")[0]["every"] is None  # neither changed anything


def add_glpi(url: str) -> None:
    args = ["connections", "add", "glpi", "--kind", "glpi", "--url", url, "--secret-stdin"]
    result = Cli().runner.invoke(app, args, input=f"{USER_TOKEN}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_a_glpi_connection_is_shown_as_its_token_and_its_sync(
    use: Workspace, instance: Instance
) -> None:
    Cli().run("connections", "remove", "glpi")
    with glpi() as served:
        served.user_tokens[USER_TOKEN] = "glpi-sync"
        served.items["Ticket"] = [ticket(n, START + timedelta(minutes=n)) for n in range(TICKETS)]
        served.items["Change"] = []
        served.items["Problem"] = []
        add_glpi(served.url)
        Cli().ok("connections", "sync", "glpi")
        page = use.signed_in(CARMEN).get("/connections").text
    shown = text_of(page)
    assert "glpi (glpi)" in shown and "as the owner of its access token" in shown
    assert "secret kept (***)" in shown and USER_TOKEN not in page
    glpi_card = page[page.index('id="glpi"') :]
    assert 'Ticket <span class="muted">→ incidents</span>' in glpi_card
    assert f'<td class="n" data-label="New">{INCIDENTS}</td>' in glpi_card
    assert 'Problem <span class="muted">→ problems</span>' in glpi_card
    Cli().ok("connections", "remove", "glpi")


@pytest.mark.slow
def test_the_connections_page_at_1366_and_390_px(
    use: Workspace, instance: Instance, tmp_path: Path
) -> None:
    add(instance, "snow", SECRET, "--every", "15m")
    add(instance, "lab", "wrong")
    Cli().ok("connections", "sync", "snow")
    Cli().run("connections", "sync", "lab")
    Cli().run("connections", "remove", "glpi")
    with glpi() as served:
        served.user_tokens[USER_TOKEN] = "glpi-sync"
        served.items["Ticket"] = [ticket(n, START + timedelta(minutes=n)) for n in range(TICKETS)]
        served.items["Change"] = []
        served.items["Problem"] = []
        add_glpi(served.url)
        Cli().ok("connections", "sync", "glpi")
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, CARMEN, password_of(CARMEN))
        widest = _shoot(browser, use, tmp_path, "connections", "/connections")
        from selenium.webdriver.common.by import By

        browser.find_element(By.CSS_SELECTOR, "#snow details.change summary").click()
        field = browser.find_element(By.CSS_SELECTOR, "#snow input[name=secret]")
        assert field.get_attribute("value") == ""  # never filled in
        widest = max(widest, _shoot(browser, use, tmp_path, "connections-change", None))
    finally:
        browser.quit()
        Cli().run("connections", "remove", "glpi")
    assert widest <= 390
