"""The Connections page (a CI manager's) and its JSON twin: each connection's last sync, rows
and error, a sync started from the page, and everybody else kept out."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete

from ci_workflow.cli.app import app
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ChangeRecord, Incident
from tests.browser import chromium
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import START, change, incident
from tests.web.conftest import Workspace, csrf_of, password_of, post_form
from tests.web.test_people_admin import _shoot, _sign_in_as

CARMEN, LENA = "carmen@example.org", "lena@example.org"
SECRET = "s3cret-Pa55"


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


def test_a_ci_manager_sees_each_sync_and_syncs_from_the_page(
    use: Workspace, instance: Instance
) -> None:
    add(instance, "snow", SECRET, "--every", "15m")
    add(instance, "lab", "<b>wrong</b>")
    carmen = use.signed_in(CARMEN)
    assert '<a href="/connections">Connections</a>' in carmen.get("/").text
    token = {"csrf": csrf_of(carmen, "/connections")}
    assert carmen.post("/connections/snow/sync", data=token).status_code == 303
    assert carmen.post("/connections/lab/sync", data=token).status_code == 303
    page = carmen.get("/connections").text
    shown = text_of(page)
    assert (
        "snow synced: incident: 12 new, 0 updated; change_request: 4 new, 0 updated; "
        "problem: 0 new, 0 updated; task_sla: 0 new, 0 updated." in shown
    )
    assert "lab : the sync failed, nothing was written: 127.0.0.1 refused the credentials" in (
        shown.replace("lab:", "lab :")
    )
    assert "synced every 15m" in shown and "secret kept (***)" in shown
    assert SECRET not in page and "wrong" not in page
    newest = f"{START + timedelta(minutes=11):%Y-%m-%d %H:%M:%S} UTC"
    assert f"Read up to {newest}" in shown or newest in shown
    twin = {c["name"]: c for c in carmen.get("/api/connections").json()}
    assert twin["snow"]["secret"] == "***"
    incidents = twin["snow"]["tables"][0]
    assert (incidents["table"], incidents["imported"], incidents["error"]) == ("incident", 12, None)
    assert "refused the credentials" in twin["lab"]["tables"][0]["error"]
    assert twin["lab"]["tables"][0]["synced_at"] is None


def test_nobody_else_sees_or_syncs_connections(use: Workspace, instance: Instance) -> None:
    add(instance, "snow", SECRET)
    lena = use.signed_in(LENA)
    assert "/connections" not in lena.get("/").text
    assert lena.get("/connections").status_code == 403
    assert lena.get("/api/connections").status_code == 403
    assert post_form(lena, "/me", "/connections/snow/sync").status_code == 403
    tokens = {}
    for email in (LENA, CARMEN):
        sent = {"email": email, "password": password_of(email)}
        tokens[email] = httpx.post(f"{use.url}/api/tokens", json=sent).json()["token"]
    with httpx.Client(base_url=use.url, timeout=30) as api:
        bearer = {"Authorization": f"Bearer {tokens[LENA]}"}
        assert api.post("/api/connections/snow/sync", headers=bearer).status_code == 403
        assert instance.requests == []  # the tool was never asked
        bearer = {"Authorization": f"Bearer {tokens[CARMEN]}"}
        done = api.post("/api/connections/snow/sync", headers=bearer)
    assert done.status_code == 200
    assert [(t["table"], t["imported"]) for t in done.json()["tables"]] == [
        ("incident", 12),
        ("change_request", 4),
        ("problem", 0),
        ("task_sla", 0),
    ]


@pytest.mark.slow
def test_the_connections_page_at_1366_and_390_px(
    use: Workspace, instance: Instance, tmp_path: Path
) -> None:
    add(instance, "snow", SECRET, "--every", "15m")
    add(instance, "lab", "wrong")
    Cli().ok("connections", "sync", "snow")
    Cli().run("connections", "sync", "lab")
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, CARMEN, password_of(CARMEN))
        widest = _shoot(browser, use, tmp_path, "connections", "/connections")
    finally:
        browser.quit()
    assert widest <= 390
