"""Times with a UTC offset: stored as the moment they name whatever the machine's time zone, on
either store, and a mapping that leaves a time unmapped still reads them. Expected moments are
worked out here with the standard library, without the project's code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ci_workflow.store.db import transaction
from ci_workflow.store.intake.incidents import TABLE
from tests.helpers import Cli

ROOT = Path(__file__).resolve().parents[3]
ISO = "%Y-%m-%dT%H:%M:%S%z"
# Winter and summer offsets, either side of UTC, and one a half hour off.
ROWS = [
    (
        "INC-1",
        "2026-03-02T08:00:00+01:00",
        "2026-03-02T12:30:00+01:00",
        "2026-03-03T09:00:00+00:00",
    ),
    ("INC-2", "2026-07-02T23:10:00-04:00", "2026-07-03T01:00:00-04:00", ""),
    ("INC-3", "2026-01-15T05:00:00+05:30", "", ""),
    ("INC-4", "2026-11-01T01:30:00-05:00", "2026-11-01T02:45:00-04:00", "2026-11-02T00:00:00Z"),
]
ONE_ROW = """\
layout: one_row
columns: {id: id, opened: opened, resolved: resolved, closed: closed}
timestamp_format: "%Y-%m-%dT%H:%M:%S%z"
"""


def export(tmp_path: Path) -> Path:
    path = tmp_path / "offsets.csv"
    path.write_text("id,opened,resolved,closed\n" + "".join(f"{','.join(r)}\n" for r in ROWS))
    return path


def moment(text: str) -> datetime | None:
    return datetime.strptime(text, ISO).astimezone(UTC) if text else None


def stored() -> dict[str, tuple[Any, ...]]:
    columns = (TABLE.c.number, TABLE.c.opened_at, TABLE.c.resolved_at, TABLE.c.closed_at)
    with transaction(write=False) as session:
        return {row[0]: tuple(row[1:]) for row in session.execute(select(*columns))}


def improve_in_zone(zone: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``improve`` in its own process under ``TZ=zone`` (the tests' own zone is left alone),
    on the test's store (IMPROVE_HOME, and IMPROVE_DATABASE_URL on PostgreSQL)."""
    return subprocess.run(
        [sys.executable, "-m", "ci_workflow", *args],
        env=os.environ | {"TZ": zone},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_offset_times_are_stored_as_their_moment_under_any_machine_zone(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path, mapping = export(tmp_path), tmp_path / "mapping.yaml"
    mapping.write_text(ONE_ROW)
    expected = {n: (moment(o), moment(r), moment(c)) for n, o, r, c in ROWS}
    assert expected["INC-2"][0] == datetime(2026, 7, 3, 3, 10, tzinfo=UTC)  # the check checks
    for zone in ("America/New_York", "Asia/Kolkata"):
        done = improve_in_zone(zone, "import", "incidents", str(path), "--mapping", str(mapping))
        assert done.returncode == 0, done.stderr
        assert stored() == expected, zone
        shown = improve_in_zone(
            zone,
            "import",
            "incidents",
            str(path),
            "--mapping",
            str(mapping),
            "--dry-run",
            "--json",
        )
        previewed = {
            i["number"]: tuple(
                datetime.fromisoformat(i[f]) if i[f] else None
                for f in ("opened_at", "resolved_at", "closed_at")
            )
            for i in json.loads(shown.stdout)["incidents"]
        }
        assert previewed == expected, zone


EVENTS = """\
ticket,state,at
E-1,New,2026-03-29T00:30:00+01:00
E-1,Resolved,2026-03-29T03:30:00+02:00
E-2,New,2026-10-25T02:30:00+02:00
E-2,Active,2026-10-25T02:10:00+01:00
E-2,Resolved,2026-10-25T09:00:00Z
E-3,New,2026-05-01T10:00:00-07:00
"""
# The README's own event-log example: resolved derived, closed neither mapped nor derived.
EVENT_MAPPING = """\
layout: event_log
columns: {id: ticket}
event_log:
  status_column: state
  resolved_states: [Resolved]
  event_time_column: at
  derive: [opened, resolved, reopen_count]
timestamp_format: "%Y-%m-%dT%H:%M:%S%z"
"""


def test_an_event_log_with_offsets_and_no_closed_time_imports_in_a_zone_with_daylight_saving(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    log, mapping = tmp_path / "events.csv", tmp_path / "mapping.yaml"
    log.write_text(EVENTS)
    mapping.write_text(EVENT_MAPPING)
    events: dict[str, list[tuple[datetime, str]]] = {}
    for line in EVENTS.splitlines()[1:]:
        ticket, state, at = line.split(",")
        events.setdefault(ticket, []).append((datetime.strptime(at, ISO), state))
    expected = {}
    for ticket, its in events.items():
        its.sort()  # aware times order by their moment
        resolved = [at for at, state in its if state == "Resolved"]
        expected[ticket] = (
            its[0][0].astimezone(UTC),
            resolved[0].astimezone(UTC) if resolved else None,
            None,
        )
    # E-2's second event is 20 minutes before its first in UTC, though later on the clock.
    assert expected["E-2"][0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    done = improve_in_zone(
        "Europe/Berlin", "import", "incidents", str(log), "--mapping", str(mapping)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 incidents imported, 0 updated")
    assert stored() == expected


def test_a_one_row_export_with_offsets_and_no_closed_column(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path, mapping = export(tmp_path), tmp_path / "mapping.yaml"
    mapping.write_text(ONE_ROW.replace(", closed: closed", ""))
    out = cli.ok("import", "incidents", str(path), "--mapping", str(mapping)).stdout
    assert out.startswith("4 incidents imported")
    assert stored() == {n: (moment(o), moment(r), None) for n, o, r, _ in ROWS}


def test_a_change_export_with_offsets_and_unmapped_times(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    from ci_workflow.store.intake.change_records import TABLE as CHANGES

    path, mapping = tmp_path / "changes.csv", tmp_path / "changes.yaml"
    path.write_text("id,state,closed\nC-1,Closed,2026-03-02T08:00:00+01:00\nC-2,New,\n")
    mapping.write_text(
        "columns: {id: id, state: state, closed: closed}\n"
        'timestamp_format: "%Y-%m-%dT%H:%M:%S%z"\nclosed_states: [Closed]\n'
    )
    done = improve_in_zone(
        "America/New_York", "import", "changes", str(path), "--mapping", str(mapping)
    )
    assert done.returncode == 0, done.stderr
    with transaction(write=False) as session:
        found = dict(session.execute(select(CHANGES.c.number, CHANGES.c.closed_at)).all())
    assert found == {"C-1": moment("2026-03-02T08:00:00+01:00"), "C-2": None}
