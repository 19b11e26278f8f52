"""Syncing ServiceNow's problem and task_sla tables (the loopback Table API): the records they
make as the default mapping reads them, a resync updating by id, and a bad record counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.services.intake.connection_sync import Limits, sync_connection
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ProblemRecord, SlaRecord
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, Record, servicenow

ADMIN = operating_system("tester")
START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
CODES = [("", ""), ("fix_applied", "Fix Applied"), ("risk_accepted", "Risk Accepted")]
STAGES = [("completed", "Completed"), ("in_progress", "In progress"), ("cancelled", "Cancelled")]


def stamp(at: datetime | None) -> tuple[str, str]:
    """A time's stored value (UTC) and how a user two hours east sees it (never stored)."""
    if at is None:
        return ("", "")
    return (f"{at:%Y-%m-%d %H:%M:%S}", f"{at + timedelta(hours=2):%d.%m.%Y %H:%M:%S}")


def problem(n: int, updated: datetime, state: str = "Assess") -> Record:
    opened = START + timedelta(days=n)
    return {
        "sys_id": (f"p{n:031x}", f"p{n:031x}"),
        "number": (f"PRB{n:07d}", f"PRB{n:07d}"),
        "sys_updated_on": stamp(updated),
        "state": (str(n), state),
        "opened_at": stamp(opened),
        "resolved_at": stamp(None),
        "closed_at": stamp(None),
        "cmdb_ci": (f"{n % 2:032x}", "Email" if n % 2 else "VPN"),
        "category": ("network", "Network"),
        "priority": ("2", "2 - High"),
        "assignment_group": (f"{n:032x}", "Network"),
        "known_error": ("true", "true") if n % 2 else ("false", "false"),
        "workaround": ("Restart it", "Restart it") if n % 3 == 0 else ("", ""),
        "resolution_code": CODES[n % 3],
    }


def task_sla(n: int, updated: datetime) -> Record:
    started = START + timedelta(hours=n)
    return {
        "sys_id": (f"s{n:031x}", f"s{n:031x}"),
        "sys_updated_on": stamp(updated),
        "task": (f"{n:032x}", f"INC{n:07d}"),
        "sla": (f"d{n % 2:031x}", "P2 resolution" if n % 2 else "P2 response"),
        "stage": STAGES[n % 3],
        "has_breached": ("true", "true") if n % 4 == 0 else ("false", "false"),
        "start_time": stamp(started),
        "end_time": stamp(started + timedelta(hours=4)),
        "planned_end_time": stamp(started + timedelta(hours=2)),
        "business_percentage": (f"{n * 10}.5", f"{n * 10}.5"),
    }


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = []
        served.tables["change_request"] = []
        served.tables["problem"] = [problem(n, START + timedelta(minutes=n)) for n in range(7)]
        served.tables["task_sla"] = [task_sla(n, START + timedelta(minutes=n)) for n in range(9)]
        yield served


def sync(cli: Cli, instance: Instance) -> dict[str, tuple[int, int, int, int]]:
    if not cli.json("connections", "list"):
        args = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
        args += ["--user", "sync.user", "--secret-stdin"]
        added = cli.runner.invoke(app, args, input="s3cret-Pa55\n", catch_exceptions=False)
        assert added.exit_code == 0, added.output
    done = sync_connection("snow", actor=ADMIN, limits=Limits(page_size=4, sleep=lambda _: None))
    return {t.table: (t.read, t.imported, t.updated, len(t.left_out)) for t in done.tables}


def stored() -> tuple[dict[str, Any], dict[str, Any]]:
    with transaction(write=False) as session:
        problems = {
            p.number: (p.state, p.service, p.known_error, p.has_workaround, p.fix, p.fixed)
            for p in session.execute(select(ProblemRecord)).scalars()
        }
        slas = {
            s.key: (
                *(s.task, s.definition, s.stage, s.cancelled, s.has_breached),
                *(s.start_at.replace(tzinfo=UTC), s.business_percentage),
            )
            for s in session.execute(select(SlaRecord)).scalars()
        }
    return problems, slas


def expected_problem(n: int, state: str = "Assess") -> tuple[Any, ...]:
    code = CODES[n % 3][1]
    return (
        state,
        "Email" if n % 2 else "VPN",
        n % 2 == 1,
        n % 3 == 0,
        code or None,
        code == "Fix Applied",
    )


def expected_sla(n: int) -> tuple[Any, ...]:
    return (
        f"INC{n:07d}",
        "P2 resolution" if n % 2 else "P2 response",
        STAGES[n % 3][1],
        n % 3 == 2,
        n % 4 == 0,
        START + timedelta(hours=n),
        n * 10 + 0.5,
    )


def test_problems_and_task_slas_sync_as_mapped_and_a_resync_updates_by_id(
    cli: Cli, instance: Instance
) -> None:
    first = sync(cli, instance)
    assert first["problem"] == (7, 7, 0, 0)
    assert first["task_sla"] == (9, 9, 0, 0)
    problems, slas = stored()
    assert problems == {f"PRB{n:07d}": expected_problem(n) for n in range(7)}
    # Known by their sys_id, which the default mapping reads.
    assert slas == {f"s{n:031x}": expected_sla(n) for n in range(9)}
    # Each page asked for the mapped fields, times as stored, labels for the rest.
    asked = next(r for r in instance.requests if r["path"].endswith("/task_sla"))
    assert {"sys_id", "task", "sla", "has_breached", "start_time"} <= set(
        asked["sysparm_fields"].split(",")
    )

    later = START + timedelta(days=1)
    instance.tables["problem"][2] = problem(2, later, state="Closed")
    broken = task_sla(4, later)
    broken["start_time"] = ("", "")  # an SLA without a start cannot be used
    instance.tables["task_sla"][4] = broken
    instance.tables["task_sla"].append(task_sla(9, later))
    again = sync(cli, instance)
    assert again["problem"] == (1, 0, 1, 0)
    assert again["task_sla"] == (2, 1, 0, 1)
    problems, slas = stored()
    assert problems["PRB0000002"] == expected_problem(2, state="Closed")
    assert slas[f"s{9:031x}"] == expected_sla(9)
    assert slas[f"s{4:031x}"] == expected_sla(4)  # the unusable update kept the last good one
