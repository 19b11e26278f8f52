"""Problems synced from Jira Service Management (the loopback site): the issues of type Problem
stored as the default mapping reads them, a resync updating by key; and the problem detectors
finding a known error still causing incidents and a problem left stale, until the problem is
deleted in Jira."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from ci_workflow.domain.clock import history_at
from ci_workflow.services.intake.itsm.jira import MAPPING
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ProblemRecord
from tests.helpers import Cli
from tests.services.intake.jira_server import Issue, Site, jira
from tests.services.intake.test_jira_sync import PRIORITIES, START, add, sync

STATES = ["Under investigation", "Under review", "Completed", "Canceled"]
RESOLUTIONS = {"Completed": "Done", "Canceled": "Won't Do"}
PROBLEMS = 6
DAYS = 84  # the detectors' period: twelve weeks from START
# The services of the problems open at the period's end with neither a workaround nor a fix.
STALE = {"Email" if n % 2 else "VPN" for n in range(PROBLEMS) if n % 4 < 2 and n % 3}
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def opened_at(n: int) -> datetime:
    return START - timedelta(days=90 - n)


def problem(n: int, updated: datetime, state: str | None = None) -> Issue:
    state = state or STATES[n % 4]
    resolution = RESOLUTIONS.get(state)
    fields = {
        "issuetype": {"id": "10300", "name": "Problem"},
        "project": {"key": "PRB"},
        "created": opened_at(n),
        "resolutiondate": opened_at(n) + timedelta(days=20) if resolution else None,
        "status": {"name": state},
        "resolution": {"name": resolution} if resolution else None,
        "priority": {"id": "3", "name": PRIORITIES[n % 4]},
        "components": [{"name": "Email" if n % 2 else "VPN"}],
        "customfield_10060": "Restart the relay" if n % 3 == 0 else None,  # the workaround
    }
    return Issue(f"PRB-{n + 1}", updated, fields)


def expected(n: int, state: str | None = None) -> tuple[Any, ...]:
    state = state or STATES[n % 4]
    fix = RESOLUTIONS.get(state)
    return (
        state,
        opened_at(n),
        opened_at(n) + timedelta(days=20) if fix else None,
        None,  # no closing time apart from the resolution in Jira
        "Email" if n % 2 else "VPN",
        PRIORITIES[n % 4],
        None,  # no known error flag in Jira: unknown, not "no"
        None,  # the workaround is a custom field the default mapping cannot know
        fix,
        fix == "Done",
    )


def stored() -> dict[str, tuple[Any, ...]]:
    with transaction(write=False) as session:
        return {
            p.number: (
                *(p.state, p.opened_at, p.resolved_at, p.closed_at, p.service, p.priority),
                *(p.known_error, p.has_workaround, p.fix, p.fixed),
            )
            for p in session.execute(select(ProblemRecord)).scalars()
        }


def incident(k: int) -> Issue:
    """Two incidents a day on Email over the period, every third caused by PRB-1."""
    opened = START + timedelta(hours=12 * k)
    fields = {
        "issuetype": {"id": "10100", "name": "Incident"},
        "project": {"key": "ITS"},
        "created": opened,
        "resolutiondate": opened + timedelta(hours=3),
        "priority": {"id": "3", "name": "Medium"},
        "components": [{"name": "Email"}],
        "customfield_10070": "PRB-1" if k % 3 == 0 else None,  # the site's linked problem
    }
    return Issue(f"ITS-{k + 1}", opened + timedelta(hours=4), fields)


@pytest.fixture
def site(store: str) -> Iterator[Site]:
    with jira() as served:
        served.issues = [problem(n, START + timedelta(minutes=n)) for n in range(PROBLEMS)]
        yield served


def test_problems_sync_as_the_default_mapping_reads_them_and_a_resync_updates_by_key(
    cli: Cli, site: Site
) -> None:
    add(cli, site)
    first = {t.table: (t.read, t.imported, t.updated) for t in sync().tables}
    assert first["problem"] == (PROBLEMS, PROBLEMS, 0)
    assert stored() == {f"PRB-{n + 1}": expected(n) for n in range(PROBLEMS)}
    asked = next(r for r in site.requests if "Problem" in r.get("jql", ""))
    assert asked["jql"] == "(issuetype = Problem) ORDER BY updated ASC, key ASC"
    assert "changelog" not in asked.get("expand", "")  # nothing counted from history
    site.issues[1] = problem(1, START + timedelta(days=1), state="Completed")
    again = {t.table: (t.read, t.imported, t.updated) for t in sync().tables}
    assert again["problem"] == (1, 0, 1)
    assert stored()["PRB-2"] == expected(1, state="Completed")


def detected(cli: Cli, days: int = DAYS) -> dict[str, set[str]]:
    """What the detectors found in the period of ``days`` from START (each finding's kind,
    and those it joined as signals: the groups)."""
    end = START + timedelta(days=days)
    period = ["--from", f"{START:%Y-%m-%d}", "--to", f"{end:%Y-%m-%d}"]
    found = cli.json("opportunities", "detect", *period, "--all")["opportunities"]
    kinds: dict[str, set[str]] = {}
    for o in (o for o in found if str(o["period_end"]).startswith(f"{end:%Y-%m-%d}")):
        for signal in [o, *o["evidence"].get("signals", [])]:
            kinds.setdefault(signal["kind"], set()).add(o["group"])
    return kinds


def test_the_problem_detectors_read_problems_synced_and_leave_a_deleted_one_out(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    site.issues += [incident(k) for k in range(2 * DAYS)]
    mapping = yaml.safe_load(MAPPING)
    mapping["incident"]["columns"] = {
        "id": "key",
        "opened": "created",
        "resolved": "resolutiondate",
        "service": "components.name",
        "priority": "priority.name",
        "problem_id": "customfield_10070",
    }
    mapping["problem"]["columns"]["workaround"] = "customfield_10060"
    del mapping["change"]
    path = tmp_path / "jira.yaml"
    path.write_text(yaml.safe_dump(mapping))
    add(cli, site, "--mapping", str(path))
    with history_at(NOW):
        sync()
    # PRB-1: a workaround, no fix, every third incident caused by it. PRB-2, PRB-5 and PRB-6:
    # open since before the period began, no workaround, no fix.
    kinds = detected(cli)
    assert kinds["known_error_recurring"] == {"PRB-1"}
    assert kinds["stale_problem"] == STALE
    site.delete("PRB-1")
    with history_at(NOW + timedelta(days=1)):
        later = {t.table: t.deleted for t in sync().tables}
    assert later == {"incident": 0, "problem": 1}
    with transaction(write=False) as session:
        gone = session.execute(select(ProblemRecord).where(ProblemRecord.number == "PRB-1"))
        assert gone.scalar_one().deleted_at is not None  # kept, marked
    # A new period's detection (the last one's findings stay as they were recorded).
    after = detected(cli, DAYS + 1)
    assert "known_error_recurring" not in after
    assert after["stale_problem"] == STALE
