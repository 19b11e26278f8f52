"""A Jira connection on the Connections page: a Data Center one reads as the owner of its
personal access token, its tables and their last sync shown like any other kind's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from ci_workflow.cli.app import app
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ChangeRecord, Incident
from tests.browser import chromium
from tests.helpers import Cli
from tests.services.intake.jira_server import Site, jira
from tests.services.intake.test_jira_sync import START, change, every_20_seconds, incident
from tests.web.conftest import Workspace, password_of
from tests.web.test_connections import text_of
from tests.web.test_people_admin import _shoot, _sign_in_as

CARMEN = "carmen@example.org"
TOKEN = "pat-d4ta-center"


@pytest.fixture
def site(use: Workspace) -> Iterator[Site]:
    Cli().run("connections", "remove", "jsm")
    with transaction() as session:  # the records another test of this workspace synced
        session.execute(delete(Incident))
        session.execute(delete(ChangeRecord))
    with jira(cloud=False) as served:
        served.issues = [incident(n, every_20_seconds(n)) for n in range(6)]
        served.issues += [change(n, START) for n in range(2)]
        args = ["connections", "add", "jsm", "--kind", "jira", "--url", served.url]
        added = Cli().runner.invoke(app, [*args, "--secret-stdin"], input=f"{TOKEN}\n")
        assert added.exit_code == 0, added.output
        Cli().ok("connections", "sync", "jsm")
        yield served


def test_a_data_center_connection_is_shown_with_its_token_kept(use: Workspace, site: Site) -> None:
    page = use.signed_in(CARMEN).get("/connections").text
    section = re.search(r'<section class="card connection" id="jsm">.*?</section>', page, re.S)
    assert section is not None
    shown = text_of(section.group(0))
    assert "jsm (jira)" in shown
    assert "as the owner of its access token · secret kept (***)" in shown
    assert "incident → incidents" in shown and "change → changes" in shown
    assert TOKEN not in page


@pytest.mark.slow
def test_the_connections_page_with_jira_at_1366_and_390_px(
    use: Workspace, site: Site, tmp_path: Path
) -> None:
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, CARMEN, password_of(CARMEN))
        widest = _shoot(browser, use, tmp_path, "connections-jira", "/connections")
    finally:
        browser.quit()
    assert widest <= 390
