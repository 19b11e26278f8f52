"""Syncing incidents and changes from Jira Service Management (a real HTTP server on loopback that
serves Jira's REST search as documented, Cloud and Data Center): paging by token and by offset,
JQL's minutes in the user's time zone, nested fields, counts from the changelog, the incremental
cursor, and what a failure leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import history_at
from ci_workflow.errors import ImproveError
from ci_workflow.services.intake.connection_sync import Limits, sync_connection
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ChangeRecord, Incident
from tests.helpers import Cli
from tests.services.intake.jira_server import Issue, Site, jira
from tests.services.intake.test_servicenow_sync import Sleeps

ADMIN = operating_system("tester")
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # 10:00 in Berlin, the sync user's zone
PRIORITIES = ["Highest", "High", "Medium", "Low"]
PEOPLE = ["Ann", "Bo", "Cy", "Di"]
TOKEN = "api-t0ken"


def change_of(field: str, before: str | None, after: str | None) -> dict[str, Any]:
    return {"field": field, "fieldtype": "jira", "from": before, "to": after}


def history_of(n: int, opened: datetime) -> tuple[list[dict[str, Any]], str]:
    """Issue n's changelog, oldest first, with n % 3 reassignments and n % 2 reopenings; and
    who it is assigned to at the end."""
    items = []
    if n % 2:  # unassigned when opened: its first assignee is no reassignment
        items.append(change_of("assignee", None, "acc-Ann"))
    who = "Ann"
    for person in PEOPLE[1 : 1 + n % 3]:
        items.append(change_of("assignee", f"acc-{who}", f"acc-{person}"))
        who = person
    items.append(change_of("status", "1", "3"))  # To Do → In Progress
    items += [change_of("status", "10003", "3")] * (n % 2)  # Resolved → In Progress: reopened
    items.append(change_of("status", "10003", "6"))  # Resolved → Closed: done to done
    if n == 7:  # more than the 40 entries a Cloud search embeds, after the ones counted
        items += [change_of("labels", None, f"tag{k}") for k in range(45)]
    return [
        {"id": str(n * 1000 + k), "created": opened + timedelta(minutes=k), "items": [item]}
        for k, item in enumerate(items)
    ], who


def opened_at(n: int) -> datetime:
    return START - timedelta(days=2) + timedelta(hours=n)


def resolved_at(n: int) -> datetime | None:
    return opened_at(n) + timedelta(hours=1 + n % 5) if n % 4 else None


def incident(n: int, updated: datetime, priority: int | None = None) -> Issue:
    histories, who = history_of(n, opened_at(n))
    components = [{"name": "Email"}] + ([{"name": "VPN"}] if n % 3 == 0 else [])
    fields = {
        "issuetype": {"id": "10100", "name": "Incident"},
        "project": {"key": "ITS"},
        "created": opened_at(n),
        "resolutiondate": resolved_at(n),
        "priority": {"id": "2", "name": PRIORITIES[n % 4 if priority is None else priority]},
        "components": components,
        "assignee": {"accountId": f"acc-{who}", "displayName": who},
        "status": {"name": "Closed", "statusCategory": {"key": "done"}},
        "customfield_10050": {"id": "1", "value": "Network" if n % 2 else "Software"},
    }
    return Issue(f"ITS-{n + 1}", updated, fields, histories)


def expected_incident(n: int, priority: int | None = None) -> dict[str, Any]:
    return {
        "number": f"ITS-{n + 1}",
        "opened_at": opened_at(n),
        "resolved_at": resolved_at(n),
        "service": "Email, VPN" if n % 3 == 0 else "Email",
        "priority": PRIORITIES[n % 4 if priority is None else priority],
        "reopen_count": n % 2,
        "reassignment_count": n % 3,
    }


def change(n: int, updated: datetime) -> Issue:
    state = ["Completed", "Canceled", "Implementing"][n % 3]
    resolution = None if state == "Implementing" else {"name": "Failed" if n % 2 else "Done"}
    fields = {
        "issuetype": {"id": "10200", "name": "Change"},
        "project": {"key": "CHG"},
        "created": START,
        "resolutiondate": START + timedelta(days=n) if resolution else None,
        "status": {"name": state},
        "resolution": resolution,
        "components": [{"name": "VPN"}],
    }
    return Issue(f"CHG-{n + 1}", updated, fields)


def expected_outcome(n: int) -> str:
    state = ["Completed", "Canceled", "Implementing"][n % 3]
    if state == "Canceled" or (state == "Completed" and n % 2):
        return "failed"
    return "closed" if state == "Completed" else "open"


def every_20_seconds(n: int) -> datetime:
    return START + timedelta(seconds=20 * n)  # three issues a minute: JQL reads minutes


@pytest.fixture
def site(store: str) -> Iterator[Site]:
    with jira() as served:
        served.issues = [incident(n, every_20_seconds(n)) for n in range(23)]
        served.issues += [change(n, START) for n in range(7)]  # seven at the same second
        yield served


def add(cli: Cli, site: Site, *extra: str, secret: str = TOKEN, user: str | None = None) -> None:
    args = ["connections", "add", "sm", "--kind", "jira", "--url", site.url, "--secret-stdin"]
    args += ["--user", user or "sync@example.org"] if site.cloud else []
    result = cli.runner.invoke(app, args + list(extra), input=f"{secret}\n")
    assert result.exit_code == 0, result.output


def stored_incidents() -> dict[str, dict[str, Any]]:
    columns = [c for c in expected_incident(0) if c != "number"]
    with transaction(write=False) as session:
        rows = session.execute(select(Incident)).scalars().all()
    return {i.number: {"number": i.number, **{c: getattr(i, c) for c in columns}} for i in rows}


def outcomes() -> dict[str, str]:
    with transaction(write=False) as session:
        return {c.number: c.outcome for c in session.execute(select(ChangeRecord)).scalars()}


def sync(sleeps: Sleeps | None = None) -> Any:
    limits = Limits(page_size=5, sleep=sleeps if sleeps is not None else Sleeps())
    return sync_connection("sm", actor=ADMIN, limits=limits)


def searches(site: Site, project: str) -> list[dict[str, str]]:
    return [r for r in site.requests if r["path"].endswith("/search/jql") and project in r["jql"]]


def test_a_first_sync_reads_every_page_and_stores_the_issues_as_mapped(
    cli: Cli, site: Site
) -> None:
    site.most_results = 4  # Jira gives fewer than asked: not the last page for that
    add(cli, site)
    result = sync()
    assert {t.table: (t.imported, t.updated) for t in result.tables} == {
        "incident": (23, 0),
        "change": (7, 0),
        "problem": (0, 0),
    }
    assert stored_incidents() == {f"ITS-{n + 1}": expected_incident(n) for n in range(23)}
    assert outcomes() == {f"CHG-{n + 1}": expected_outcome(n) for n in range(7)}
    pages = searches(site, "Incident")
    assert pages[0]["jql"] == "(issuetype = Incident) ORDER BY updated ASC, key ASC"
    # The first page read issues 0-3, the last at 08:01:00 UTC: 10:01 in Berlin, to the minute.
    assert pages[1]["jql"] == (
        '(issuetype = Incident) AND updated >= "2026-10-01 10:01" ORDER BY updated ASC, key ASC'
    )
    assert set(pages[0]["fields"].split(",")) == {
        "components",
        "created",
        "priority",
        "resolutiondate",
        "updated",
    }
    assert {p["expand"] for p in pages} == {"changelog"}
    # ITS-8's changelog is longer than a search embeds: read whole, its counts right.
    assert any(r["path"] == "/rest/api/3/issue/ITS-8/changelog" for r in site.requests)
    # Seven changes at one second, five a page: past the first five by the page's token.
    assert any("nextPageToken" in r for r in searches(site, "Change"))


def test_a_resync_reads_only_the_issues_that_changed(cli: Cli, site: Site) -> None:
    add(cli, site)
    with history_at(datetime.now(UTC) - timedelta(hours=1)):
        sync()
    with transaction(write=False) as session:
        before = {i.number: i.imported_at for i in session.execute(select(Incident)).scalars()}
    with history_at(datetime.now(UTC) - timedelta(minutes=40)):
        again = sync()
    assert [(t.read, t.imported, t.updated) for t in again.tables] == [(0, 0, 0)] * 3
    later = START + timedelta(days=1)
    for n in (3, 11, 17):
        site.issues[n] = incident(n, later + timedelta(seconds=n), priority=0)
    with history_at(datetime.now(UTC) - timedelta(minutes=20)):
        third = sync()
    assert (third.tables[0].read, third.tables[0].updated) == (3, 3)
    expected = {
        f"ITS-{n + 1}": expected_incident(n, 0 if n in (3, 11, 17) else None) for n in range(23)
    }
    assert stored_incidents() == expected
    with transaction(write=False) as session:
        after = {i.number: i.imported_at for i in session.execute(select(Incident)).scalars()}
    assert {k for k in after if after[k] != before[k]} == {"ITS-4", "ITS-12", "ITS-18"}


def test_an_issue_updated_between_two_pages_is_neither_lost_nor_read_stale(
    cli: Cli, site: Site
) -> None:
    add(cli, site)

    def update_an_issue_of_the_first_page() -> None:
        site.issues[2] = incident(2, START + timedelta(days=2), priority=0)

    site.after_page[1] = update_an_issue_of_the_first_page
    incidents = sync().tables[0]
    assert (incidents.read, incidents.imported) == (24, 23)
    expected = {f"ITS-{n + 1}": expected_incident(n, 0 if n == 2 else None) for n in range(23)}
    assert stored_incidents() == expected


def test_throttling_and_a_request_failing_once_are_waited_out(cli: Cli, site: Site) -> None:
    add(cli, site)
    busy = {"Retry-After": "2", "Content-Type": "application/json"}
    site.queued += [(429, busy, b'{"errorMessages": ["Rate limit exceeded"]}'), (500, {}, b"")]
    sleeps = Sleeps()
    result = sync(sleeps)
    assert sleeps == [2.0, 0.5]  # as Retry-After said, then the first backoff
    assert result.tables[0].imported == 23


def test_a_page_failing_four_times_writes_nothing_and_the_next_sync_resumes(
    cli: Cli, site: Site
) -> None:
    add(cli, site)
    sync()
    before = stored_incidents()
    for n in range(10):
        site.issues[n] = incident(n, START + timedelta(days=1, seconds=n), priority=1)
    site.after_page[site.pages_served + 1] = lambda: site.queued.extend([(503, {}, b"")] * 4)
    with pytest.raises(ImproveError, match=r"incident \(offset 0\): HTTP 503 after 4 tries"):
        sync()
    assert stored_incidents() == before  # not even the first page's five
    resumed = sync()
    assert (resumed.tables[0].read, resumed.tables[0].updated) == (10, 10)
    assert stored_incidents()["ITS-10"]["priority"] == "High"


def test_wrong_credentials_a_refused_search_and_a_forbidden_read_are_one_clear_error(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    add(cli, site, secret="not-the-token")
    tested = cli.run("connections", "test", "sm")
    assert tested.exit_code == 1
    assert "incident: FAILED: 127.0.0.1 refused the credentials (HTTP 401: You are not " in (
        tested.stdout
    )
    assert "not-the-token" not in tested.stdout
    failed = cli.run("connections", "sync", "sm")
    assert failed.exit_code != 0 and "on Jira Cloud the user is the account's e-mail" in (
        failed.output
    )
    cli.ok("connections", "remove", "sm")
    mapping = tmp_path / "priority.yaml"
    mapping.write_text("incident:\n  jql: priority = High\n  columns: {id: key, opened: created}\n")
    add(cli, site, "--mapping", str(mapping))
    failed = cli.run("connections", "sync", "sm")
    assert failed.exit_code != 0
    assert "Jira refused the search '(priority = High) ORDER BY updated ASC, key ASC' (HTTP " in (
        " ".join(failed.output.split())
    )
    assert "Field 'priority' does not exist" in " ".join(failed.output.split())
    site.queued += [(403, {}, b'{"errorMessages": ["Forbidden"], "errors": {}}')]
    tested = cli.run("connections", "test", "sm")
    assert "the user may not read this (HTTP 403: Forbidden)" in " ".join(tested.stdout.split())
    assert stored_incidents() == {}


def test_a_mapping_names_its_jql_and_nested_fields_and_a_missing_one_is_said(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    ordered = tmp_path / "ordered.yaml"
    ordered.write_text("incident:\n  jql: project = ITS ORDER BY created\n  columns: {id: key}\n")
    refused = cli.runner.invoke(
        app,
        ["connections", "add", "sm", "--kind", "jira", "--url", site.url, "--mapping", ordered],
    )
    assert refused.exit_code != 0 and "incident.jql: leave ORDER BY out" in refused.output
    mapping = tmp_path / "its.yaml"
    columns = "{id: key, opened: created, category: customfield_10050.value}"
    mapping.write_text(f"incident:\n  jql: project = ITS\n  columns: {columns}\n")
    add(cli, site, "--mapping", str(mapping))
    sync()
    with transaction(write=False) as session:
        found = {i.number: i.category for i in session.execute(select(Incident)).scalars()}
    assert found == {f"ITS-{n + 1}": "Network" if n % 2 else "Software" for n in range(23)}
    assert searches(site, "ITS")[0]["jql"] == "(project = ITS) ORDER BY updated ASC, key ASC"
    cli.ok("connections", "remove", "sm")
    mapping.write_text(f"incident:\n  columns: {columns.replace('10050', '99999')}\n")
    add(cli, site, "--mapping", str(mapping))
    tested = cli.run("connections", "test", "sm")
    assert tested.exit_code == 1
    assert "the field 'customfield_99999' is not in the answer" in tested.stdout


def test_data_center_is_searched_by_offset_with_a_personal_access_token(store: str) -> None:
    cli = Cli()
    with jira(cloud=False) as site:
        site.issues = [incident(n, every_20_seconds(n)) for n in range(23)]
        site.issues += [change(n, START) for n in range(7)]
        add(cli, site, secret="pat-d4ta-center")
        result = sync()
        assert [(t.table, t.imported) for t in result.tables] == [
            ("incident", 23),
            ("change", 7),
            ("problem", 0),
        ]
        pages = [r for r in site.requests if r["path"] == "/rest/api/2/search"]
        assert {r.get("startAt") for r in pages} == {"0", "5"}  # the seven changes at one time
    assert stored_incidents() == {f"ITS-{n + 1}": expected_incident(n) for n in range(23)}
    assert outcomes() == {f"CHG-{n + 1}": expected_outcome(n) for n in range(7)}


def test_the_default_mapping_is_the_example_shipped() -> None:
    from ci_workflow.services.intake.connections import table_mappings, table_options
    from ci_workflow.services.intake.itsm.jira import JQL, MAPPING

    example = Path(__file__).resolve().parents[3] / "examples/mappings/jira_connection.yaml"
    assert example.read_text(encoding="utf-8") == MAPPING
    assert set(table_mappings(MAPPING, str(example), "jira")) == {"incident", "change", "problem"}
    assert table_options(MAPPING, str(example), "jira") == {t: {"jql": q} for t, q in JQL.items()}


def test_a_secret_alone_is_a_token_for_jira_only(cli: Cli, site: Site) -> None:
    args = ["connections", "add", "snow", "--kind", "servicenow", "--url", site.url]
    refused = cli.runner.invoke(app, [*args, "--secret-stdin"], input="s3cret\n")
    assert refused.exit_code == 2
    assert "a secret is the password of a --user; name the user" in refused.output
    args = ["connections", "add", "sm", "--kind", "jira", "--url", site.url, "--secret-stdin"]
    assert cli.runner.invoke(app, args, input="pat-for-cloud\n").exit_code == 0
    tested = cli.run("connections", "test", "sm")  # Cloud takes no bearer token: said plainly
    assert tested.exit_code == 1 and "refused the credentials (HTTP 401" in tested.stdout
