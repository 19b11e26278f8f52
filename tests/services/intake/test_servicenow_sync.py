"""Syncing incidents and changes from ServiceNow (a real HTTP server on loopback that serves the
Table API as documented): paging, the incremental cursor, upserts, and what a failure leaves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import history_at
from ci_workflow.errors import ImproveError
from ci_workflow.services.intake.connection_sync import Limits, sync_connection
from ci_workflow.services.intake.itsm.servicenow import MAPPING
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ChangeRecord, Incident
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, Record, servicenow

ADMIN = operating_system("tester")
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
GROUPS = ["Service Desk", "Network", "Email Support"]
PRIORITIES = {"1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low"}


def stamp(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"


def shown_time(at: datetime) -> str:
    """A time as ServiceNow shows it to a user two hours east of UTC (never to be stored)."""
    return f"{at + timedelta(hours=2):%d.%m.%Y %H:%M:%S}"


def time_field(at: datetime | None) -> tuple[str, str]:
    return (stamp(at), shown_time(at)) if at else ("", "")


def incident(n: int, updated: datetime, priority: str = "3") -> Record:
    opened = START + timedelta(hours=n)
    resolved = opened + timedelta(hours=1 + n % 5) if n % 4 else None
    group = GROUPS[n % 3]
    return {
        "sys_id": (f"{n:032x}", f"{n:032x}"),
        "number": (f"INC{n:07d}", f"INC{n:07d}"),
        "sys_updated_on": time_field(updated),
        "opened_at": time_field(opened),
        "resolved_at": time_field(resolved),
        "closed_at": time_field(resolved + timedelta(days=1) if resolved else None),
        "category": ("network" if n % 2 else "software", "Network" if n % 2 else "Software"),
        "cmdb_ci": (f"{n % 2:032x}", "Email" if n % 2 else "VPN"),
        "priority": (priority, PRIORITIES[priority]),
        "assignment_group": (f"{n % 3 + 100:032x}", group),
        "made_sla": ("true", "true") if n % 3 else ("false", "false"),
        "reopen_count": (str(n % 2), str(n % 2)),
        "reassignment_count": (str(n % 4), str(n % 4)),
        "problem_id": ("", "") if n % 5 else (f"{n:032x}", f"PRB{n:07d}"),
        "rfc": ("", ""),
    }


def expected_incident(n: int, priority: str = "3") -> dict[str, Any]:
    opened = START + timedelta(hours=n)
    resolved = opened + timedelta(hours=1 + n % 5) if n % 4 else None
    return {
        "number": f"INC{n:07d}",
        "opened_at": opened,
        "resolved_at": resolved,
        "closed_at": resolved + timedelta(days=1) if resolved else None,
        "category": "Network" if n % 2 else "Software",
        "service": "Email" if n % 2 else "VPN",
        "priority": PRIORITIES[priority],
        "assignment_group": GROUPS[n % 3],
        "sla_met": bool(n % 3),
        "reopen_count": n % 2,
        "reassignment_count": n % 4,
        "problem_id": None if n % 5 else f"PRB{n:07d}",
        "change_id": None,
    }


def change(n: int, updated: datetime) -> Record:
    state = ["Closed", "Canceled", "Implement"][n % 3]
    closed = START + timedelta(days=n) if state != "Implement" else None
    code = (
        ("", "")
        if not closed
        else ("unsuccessful", "Unsuccessful")
        if n % 2
        else (
            "successful",
            "Successful",
        )
    )
    return {
        "sys_id": (f"c{n:031x}", f"c{n:031x}"),
        "number": (f"CHG{n:07d}", f"CHG{n:07d}"),
        "sys_updated_on": time_field(updated),
        "state": (str(n % 3), state),
        "opened_at": time_field(START),
        "start_date": time_field(START + timedelta(hours=2)),
        "end_date": time_field(START + timedelta(hours=4)),
        "closed_at": time_field(closed),
        "cmdb_ci": (f"{n % 2:032x}", "Email" if n % 2 else "VPN"),
        "type": ("normal", "Normal"),
        "risk": ("3", "Moderate"),
        "close_code": code,
    }


def expected_outcome(n: int) -> str:
    state = ["Closed", "Canceled", "Implement"][n % 3]
    if state == "Canceled" or (state == "Closed" and n % 2):
        return "failed"
    return "closed" if state == "Closed" else "open"


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [incident(n, START + timedelta(minutes=n)) for n in range(23)]
        served.tables["change_request"] = [
            change(n, START + timedelta(minutes=n)) for n in range(7)
        ]
        yield served


def add(cli: Cli, instance: Instance, *extra: str, secret: str = "s3cret-Pa55") -> None:
    args = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    args += ["--user", "sync.user", "--secret-stdin", *extra]
    result = cli.runner.invoke(app, args, input=f"{secret}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def incidents_and_changes() -> str:
    """The default mapping's incident and change_request tables alone, as a file in the test's
    folder: for the tests of what a connection does with incidents and changes."""
    default = yaml.safe_load(MAPPING)
    path = Path(os.environ["IMPROVE_HOME"]).parent / "incidents_and_changes.yaml"
    path.write_text(yaml.safe_dump({t: default[t] for t in ("incident", "change_request")}))
    return str(path)


def stored_incidents() -> dict[str, dict[str, Any]]:
    columns = [c for c in expected_incident(0) if c != "number"]
    with transaction(write=False) as session:
        rows = session.execute(select(Incident)).scalars().all()
    return {i.number: {"number": i.number, **{c: getattr(i, c) for c in columns}} for i in rows}


def imported_at() -> dict[str, datetime]:
    with transaction(write=False) as session:
        return {i.number: i.imported_at for i in session.execute(select(Incident)).scalars()}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sync(sleeps: Sleeps | None = None) -> Any:
    limits = Limits(page_size=5, sleep=sleeps if sleeps is not None else Sleeps())
    return sync_connection("snow", actor=ADMIN, limits=limits)


def test_a_first_sync_reads_every_page_and_stores_the_records_as_mapped(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    result = sync()
    done = {t.table: (t.read, t.imported, t.updated) for t in result.tables}
    assert done == {
        "incident": (23, 23, 0),
        "change_request": (7, 7, 0),
        "problem": (0, 0, 0),  # the instance has none yet
        "task_sla": (0, 0, 0),
    }
    assert stored_incidents() == {f"INC{n:07d}": expected_incident(n) for n in range(23)}
    with transaction(write=False) as session:
        changes = {c.number: c for c in session.execute(select(ChangeRecord)).scalars()}
    assert {n: c.outcome for n, c in changes.items()} == {
        f"CHG{n:07d}": expected_outcome(n) for n in range(7)
    }
    assert changes["CHG0000001"].state == "Canceled"  # the label, not the stored "1"
    # The changed records' pages, not the list of ids that notices deletions.
    pages = [
        r
        for r in instance.requests
        if r["path"].endswith("/incident") and "sysparm_no_count" not in r
    ]
    # 23 records, 5 a page: each page after the first starts at the time the last one ended,
    # so it reads that one record again (and leaves it out): 5 + 4 + 4 + 4 + 4 + 2.
    assert len(pages) == 6
    assert {r["sysparm_offset"] for r in pages} == {"0"}
    assert {r["sysparm_display_value"] for r in pages} == {"all"}
    assert pages[0]["sysparm_query"] == "ORDERBYsys_updated_on^ORDERBYsys_id"
    # Each page asks from the last update time read: the 5th record's, the 10th's...
    assert pages[1]["sysparm_query"].startswith(
        f"sys_updated_on>={stamp(START + timedelta(minutes=4))}^"
    )


def test_a_resync_touches_only_the_records_that_changed(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    with history_at(datetime.now(UTC) - timedelta(hours=1)):
        sync()
    before = imported_at()
    with history_at(datetime.now(UTC) - timedelta(minutes=40)):
        again = sync()
    assert [(t.read, t.imported, t.updated) for t in again.tables] == [(0, 0, 0)] * 4
    later = START + timedelta(days=1)
    for n in (3, 11, 17):
        instance.tables["incident"][n] = incident(n, later + timedelta(seconds=n), priority="1")
    with history_at(datetime.now(UTC) - timedelta(minutes=20)):
        third = sync()
    assert (third.tables[0].read, third.tables[0].imported, third.tables[0].updated) == (3, 0, 3)
    expected = {
        f"INC{n:07d}": expected_incident(n, "1" if n in (3, 11, 17) else "3") for n in range(23)
    }
    assert stored_incidents() == expected
    after = imported_at()
    touched = {number for number in after if after[number] != before[number]}
    assert touched == {"INC0000003", "INC0000011", "INC0000017"}


def test_a_record_updated_between_two_pages_is_neither_lost_nor_read_stale(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    moved = START + timedelta(days=2)

    def update_a_record_of_the_first_page() -> None:
        instance.tables["incident"][2] = incident(2, moved, priority="1")

    instance.after_page[1] = update_a_record_of_the_first_page
    result = sync()
    incidents = result.tables[0]
    # Read twice (its old version on page 1, its new one at the end); stored once, as it is now.
    assert (incidents.read, incidents.imported) == (24, 23)
    expected = {f"INC{n:07d}": expected_incident(n, "1" if n == 2 else "3") for n in range(23)}
    assert stored_incidents() == expected


def test_throttling_and_a_page_failing_once_are_waited_out(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    busy = {"Retry-After": "1", "Content-Type": "application/json"}
    instance.queued += [(429, busy, b'{"error": {"message": "Too many requests"}}')]
    instance.queued += [(500, {}, b"")]
    sleeps = Sleeps()
    result = sync(sleeps)
    assert sleeps == [1.0, 0.5]  # as Retry-After said, then the first backoff
    assert result.tables[0].imported == 23
    assert len(stored_incidents()) == 23


def test_a_page_failing_four_times_writes_nothing_and_the_next_sync_resumes(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    sync()
    before = stored_incidents()
    later = START + timedelta(days=1)
    for n in range(10):
        instance.tables["incident"][n] = incident(n, later + timedelta(seconds=n), priority="2")

    def fail_the_rest() -> None:
        instance.queued += [(503, {}, b"down")] * 4

    instance.after_page[instance.pages_served + 1] = fail_the_rest
    with pytest.raises(ImproveError, match=r"incident \(offset 0\): HTTP 503 after 4 tries"):
        sync()
    assert stored_incidents() == before  # not even the first page's five
    shown = {t["table"]: t for t in cli.json("connections", "list")[0]["tables"]}
    assert "HTTP 503 after 4 tries" in shown["incident"]["error"]
    resumed = sync()
    assert (resumed.tables[0].read, resumed.tables[0].updated) == (10, 10)
    assert stored_incidents()["INC0000009"]["priority"] == "2 - High"
    assert cli.json("connections", "list")[0]["tables"][0]["error"] is None


def test_the_scheduled_sync_reads_each_connection_when_its_period_has_passed(
    cli: Cli, instance: Instance
) -> None:
    from ci_workflow.services.intake.connection_sync import sync_due

    add(cli, instance, "--every", "15m")
    on_demand = ["connections", "add", "lab", "--kind", "servicenow", "--url", instance.url]
    cli.ok(*on_demand)  # no --every: synced only when asked
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with history_at(start):
        assert sync_due(ADMIN) == [
            "snow: incident 23 new, 0 updated; change_request 7 new, 0 updated; "
            "problem 0 new, 0 updated; task_sla 0 new, 0 updated"
        ]
    instance.tables["incident"][5] = incident(5, START + timedelta(days=1), priority="1")
    with history_at(start + timedelta(minutes=10)):
        assert sync_due(ADMIN) == []  # not yet
    with history_at(start + timedelta(minutes=15)):
        assert sync_due(ADMIN) == [
            "snow: incident 0 new, 1 updated; change_request 0 new, 0 updated; "
            "problem 0 new, 0 updated; task_sla 0 new, 0 updated"
        ]
    listed = {c["name"]: c for c in cli.json("connections", "list")}
    assert listed["lab"]["tables"][0]["synced_at"] is None


def test_a_record_that_cannot_be_used_is_left_out_and_said(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    broken = incident(7, START + timedelta(minutes=7))
    broken["opened_at"] = ("", "")
    instance.tables["incident"][7] = broken
    result = sync()
    incidents = result.tables[0]
    assert (incidents.read, incidents.imported) == (23, 22)
    assert incidents.left_out == ["snow incident: 1 incident(s): no opening time (INC0000007)"]
    assert "INC0000007" not in stored_incidents()
    listed = cli.json("connections", "list")[0]["tables"][0]
    assert (listed["imported"], listed["left_out"], listed["error"]) == (22, 1, None)
