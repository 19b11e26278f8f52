"""Problems synced from GLPI (the loopback API's ``search/Problem``): stored as the default
mapping reads them, a resync updating by id, and a problem put in the trash marked deleted at
the next daily listing, then no more once restored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ci_workflow.domain.clock import history_at
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ProblemRecord
from tests.helpers import Cli
from tests.services.intake.glpi_server import Instance, Row, glpi
from tests.services.intake.test_glpi_sync import (
    APP_TOKEN,
    GROUPS,
    START,
    USER_TOKEN,
    add,
    searches,
    stamp,
    sync,
)

PROBLEMS = 9
STATUSES = [1, 2, 5, 6]  # new, processing (assigned), solved, closed
SOLUTIONS = [None, "Corrective change", "Configuration fixed"]
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def times(n: int, status: int) -> tuple[datetime, datetime | None, datetime | None]:
    opened = START - timedelta(days=30 - n)
    resolved = opened + timedelta(days=n + 1) if status in (5, 6) else None
    closed = resolved + timedelta(days=2) if resolved and status == 6 else None
    return opened, resolved, closed


def problem(n: int, updated: datetime, status: int | None = None) -> Row:
    status = status or STATUSES[n % 4]
    opened, resolved, closed = times(n, status)
    return {
        "1": f"Problem {n}",
        "2": 700 + n,
        "3": n % 5 + 1,
        "7": "Network &gt; Wi-Fi" if n % 2 else "Software",  # GLPI keeps text escaped
        "8": GROUPS[n % 3].replace("&", "&amp;"),
        "12": status,
        "15": stamp(opened),
        "16": stamp(closed),
        "17": stamp(resolved),
        "19": stamp(updated),
        "23": SOLUTIONS[n % 3],
        "60": "Mail delayed",
        "61": "Relay saturated",
        "62": "Slow delivery",
        "80": "Root entity",
    }


def expected(n: int, status: int | None = None) -> tuple[Any, ...]:
    status = status or STATUSES[n % 4]
    fix = SOLUTIONS[n % 3]
    return (
        str(status),
        *times(n, status),
        None,  # no service of a problem in GLPI
        "Network > Wi-Fi" if n % 2 else "Software",
        str(n % 5 + 1),
        GROUPS[n % 3],
        None,  # no known error flag in GLPI: unknown, not "no"
        None,  # nor a workaround field
        fix,
        fix is not None,  # any solution type is a fix by default
    )


def stored() -> dict[str, tuple[Any, ...]]:
    with transaction(write=False) as session:
        return {
            p.number: (
                *(p.state, p.opened_at, p.resolved_at, p.closed_at, p.service, p.category),
                *(p.priority, p.assignment_group, p.known_error, p.has_workaround),
                *(p.fix, p.fixed),
            )
            for p in session.execute(select(ProblemRecord)).scalars()
        }


def deleted() -> set[str]:
    with transaction(write=False) as session:
        rows = session.execute(select(ProblemRecord)).scalars().all()
    assert len(rows) == PROBLEMS  # kept, as measured
    return {p.number for p in rows if p.deleted_at is not None}


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with glpi() as served:
        served.user_tokens[USER_TOKEN] = "glpi-sync"
        served.app_token = APP_TOKEN
        served.items["Ticket"] = []
        served.items["Change"] = []
        served.items["Problem"] = [
            problem(n, START + timedelta(minutes=n)) for n in range(PROBLEMS)
        ]
        yield served


def test_problems_sync_as_mapped_and_a_resync_updates_by_id(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    first = {t.table: (t.read, t.imported, t.updated) for t in sync().tables}
    assert first["Problem"] == (PROBLEMS, PROBLEMS, 0)
    assert stored() == {str(700 + n): expected(n) for n in range(PROBLEMS)}
    page = searches(instance, "Problem")[0]
    assert "criteria[0][field]" not in page  # no type to keep, unlike a ticket's
    shown = {v for k, v in page.items() if k.startswith("forcedisplay[")}
    assert shown == {"2", "3", "7", "8", "12", "15", "16", "17", "19", "23"}
    instance.items["Problem"][1] = problem(1, START + timedelta(days=1), status=6)
    again = {t.table: (t.read, t.imported, t.updated) for t in sync().tables}
    assert again["Problem"] == (1, 0, 1)
    assert stored()["701"] == expected(1, status=6)


def test_a_problem_in_the_trash_is_marked_deleted_and_unmarked_when_restored(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    with history_at(NOW):
        sync()
    instance.put_in_trash("Problem", 703)
    instance.purge("Problem", 708)
    with history_at(NOW + timedelta(days=1)):
        assert {t.table: t.deleted for t in sync().tables}["Problem"] == 2
    assert deleted() == {"703", "708"}
    listed = [r for r in searches(instance, "Problem") if r.get("sort") == "2"]
    assert listed  # listed by id, and only by it: a problem has no type to keep
    assert {r.get("criteria[0][field]") for r in listed} <= {None, "2"}
    instance.restore("Problem", 703)
    with history_at(NOW + timedelta(days=2)):
        assert {t.table: t.deleted for t in sync().tables}["Problem"] == 0
    assert deleted() == {"708"}
