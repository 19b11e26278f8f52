"""An event log shaped unlike ServiceNow's (event rows only, no opened column, no counts, `;`,
day-first dotted dates, a BOM, gzip or zip, another encoding): every incident field derived from
the events, checked against a computation written here without the project's code."""

from __future__ import annotations

import gzip
import random
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ci_workflow.store.db import transaction
from ci_workflow.store.intake.incidents import TABLE
from tests.helpers import Cli

FORMAT = "%d.%m.%Y %H:%M:%S"
RESOLVED, CLOSED = {"Resolved", "Closed"}, {"Closed"}
MAPPING = """\
layout: event_log
columns:
  id: Ticket
  category: Kind
  priority: Prio
  assignment_group: Team
event_log:
  status_column: State
  resolved_states: [Resolved, Closed]
  closed_states: [Closed]
  event_time_column: When
  derive: [opened, resolved, closed, reassignment_count, reopen_count, ping_pong_count]
timestamp_format: "%d.%m.%Y %H:%M:%S"
delimiter: ";"
"""


@dataclass(frozen=True)
class Event:
    ticket: str
    at: datetime
    state: str
    team: str  # "" when the event names no team
    kind: str
    prio: str


def make_events(seed: int = 7, incidents: int = 80) -> list[Event]:
    """Random incidents: hand-overs between four teams (some back and forth), reopen cycles,
    events with no team, and some incidents still open; each incident's events a minute apart
    at least, so their order is never a tie."""
    rng, events = random.Random(seed), []
    for n in range(incidents):
        at = datetime(2026, 1, 1) + timedelta(hours=rng.randint(0, 24 * 60))
        team, kind = rng.choice("ABCD"), rng.choice(["Réseau", "Mail", "Disk"])
        for step in range(rng.randint(1, 9)):
            if step and rng.random() < 0.4:
                team = rng.choice("ABCD")
            state = rng.choice(
                ["New", "Active", "Active", "Resolved", "Closed"] if step else ["New"]
            )
            shown_team = "" if rng.random() < 0.15 else team
            events.append(Event(f"T-{n:03}", at, state, shown_team, kind, rng.choice("123")))
            at += timedelta(minutes=rng.randint(1, 3000))
    rng.shuffle(events)  # the log's order is not the events' order
    return events


def expected_incidents(events: list[Event]) -> dict[str, dict[str, Any]]:
    by_ticket: dict[str, list[Event]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket, []).append(event)
    out = {}
    for ticket, its in by_ticket.items():
        its.sort(key=lambda e: e.at)
        teams: list[str] = []
        for event in its:
            if event.team and (not teams or teams[-1] != event.team):
                teams.append(event.team)
        resolved_flags = [e.state in RESOLVED for e in its]
        last = its[-1]
        out[ticket] = {
            "opened_at": its[0].at,
            "resolved_at": next((e.at for e in its if e.state in RESOLVED), None),
            "closed_at": last.at if last.state in CLOSED else None,
            "category": last.kind,
            "priority": last.prio,
            "assignment_group": last.team or None,
            "reassignment_count": max(0, len(teams) - 1),
            "ping_pong_count": sum(1 for i in range(2, len(teams)) if teams[i] == teams[i - 2]),
            "reopen_count": sum(
                1 for i in range(1, len(its)) if resolved_flags[i - 1] and not resolved_flags[i]
            ),
            "service": None,
            "sla_met": None,
            "problem_id": None,
            "change_id": None,
        }
    return out


def csv_text(events: list[Event]) -> str:
    lines = ["Ticket;When;State;Team;Kind;Prio"]
    lines += [f"{e.ticket};{e.at:{FORMAT}};{e.state};{e.team};{e.kind};{e.prio}" for e in events]
    return "\n".join(lines) + "\n"


def stored() -> dict[str, dict[str, Any]]:
    with transaction(write=False) as session:
        rows = session.execute(select(TABLE)).mappings().all()
    out = {}
    for row in rows:
        record = dict(row)
        for name in ("opened_at", "resolved_at", "closed_at"):
            if record[name] is not None:  # compared as the naive times of the file
                record[name] = record[name].astimezone(UTC).replace(tzinfo=None)
        out[record.pop("number")] = record
    return out


def check(found: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    assert found.keys() == expected.keys()
    for ticket, fields in expected.items():
        assert {k: found[ticket][k] for k in fields} == fields, ticket


def test_a_gzipped_event_log_with_a_bom_derives_every_field(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    events = make_events()
    expected = expected_incidents(events)
    # The derivations are exercised: not all zero.
    assert sum(e["ping_pong_count"] for e in expected.values()) > 3
    assert sum(e["reopen_count"] for e in expected.values()) > 3
    assert any(e["closed_at"] is None for e in expected.values())
    log = tmp_path / "events.csv.gz"
    log.write_bytes(gzip.compress(csv_text(events).encode("utf-8-sig")))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    out = cli.ok("import", "incidents", str(log), "--mapping", str(mapping)).stdout
    assert out.splitlines()[0] == (
        f"{len(expected)} incidents imported, 0 updated (from {len(events)} rows of events.csv.gz)"
    )
    check(stored(), expected)


def test_a_zip_in_another_encoding_imports_the_same(cli: Cli, store: str, tmp_path: Path) -> None:
    events = make_events(seed=11, incidents=30)
    log = tmp_path / "events.zip"
    with zipfile.ZipFile(log, "w") as archive:
        archive.writestr("export/events.csv", csv_text(events).encode("latin-1"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING + "encoding: latin-1\n")
    cli.ok("import", "incidents", str(log), "--mapping", str(mapping))
    check(stored(), expected_incidents(events))
    assert {"Réseau", "Mail", "Disk"} >= {r["category"] for r in stored().values()}


def test_an_encoding_that_does_not_fit_is_one_clear_error(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    log = tmp_path / "events.csv"
    events = [Event("T-1", datetime(2026, 1, 1), "New", "A", "Réseau", "1")]
    log.write_bytes(csv_text(events * 3).encode("latin-1"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    lines = cli.fails("import", "incidents", str(log), "--mapping", str(mapping))
    assert lines[0].startswith(f"{log}: not utf-8 text (")
    assert lines[0].endswith("): set encoding: in the mapping")
    assert stored() == {}


def test_the_dry_run_shows_how_the_first_rows_map_and_writes_nothing(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    log = tmp_path / "events.csv"
    log.write_text(csv_text(make_events()))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    shown = cli.json("import", "incidents", str(log), "--mapping", str(mapping), "--dry-run")
    assert shown["sources"]["opened"] == "derived from the events"
    assert shown["sources"]["assignment_group"] == "column Team"
    assert shown["sources"]["sla_met"] == "not mapped"
    assert len(shown["incidents"]) == 10
    text = cli.ok("import", "incidents", str(log), "--mapping", str(mapping), "--dry-run").stdout
    assert "derived from the events" in text and "nothing was written" in text
    assert stored() == {}


def test_an_event_log_with_no_open_event_left_out_with_the_reason(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    events = make_events(incidents=10)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        MAPPING.replace("  closed_states:", "  opened_states: [New]\n  closed_states:")
    )
    log = tmp_path / "events.csv"
    without_new = [e for e in events if not (e.ticket == "T-003" and e.state == "New")]
    log.write_text(csv_text(without_new))
    out = cli.ok("import", "incidents", str(log), "--mapping", str(mapping)).stdout
    assert out.splitlines()[-1] == f"left out: {log}: 1 incident(s): no opening time (T-003)"
    assert "T-003" not in stored() and len(stored()) == 9


def test_an_incidents_table_an_older_version_made_elsewhere_is_upgraded_with_its_rows(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    target = tmp_path / "itsm.db"
    with sqlite3.connect(target) as db:
        db.execute(
            "CREATE TABLE incidents (id INTEGER NOT NULL, number VARCHAR(64) NOT NULL, "
            "opened_at DATETIME NOT NULL, resolved_at DATETIME, closed_at DATETIME, "
            "category VARCHAR(200), service VARCHAR(200), priority VARCHAR(64), "
            "assignment_group VARCHAR(200), sla_met BOOLEAN, reopen_count INTEGER NOT NULL, "
            "reassignment_count INTEGER NOT NULL, problem_id VARCHAR(64), change_id VARCHAR(64), "
            "imported_at DATETIME NOT NULL, PRIMARY KEY (id), UNIQUE (number))"
        )
        db.execute(
            "INSERT INTO incidents (number, opened_at, reopen_count, reassignment_count, "
            "imported_at) VALUES ('OLD-1', '2025-01-01 00:00:00', 2, 3, '2025-01-02 00:00:00')"
        )
    log = tmp_path / "events.csv"
    log.write_text(csv_text(make_events(incidents=4)))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    cli.ok(
        "import",
        "incidents",
        str(log),
        "--mapping",
        str(mapping),
        "--database",
        f"sqlite:///{target}",
    )
    with sqlite3.connect(target) as db:
        rows = db.execute(
            "SELECT number, reopen_count, reassignment_count FROM incidents ORDER BY number"
        ).fetchall()
    assert rows[0] == ("OLD-1", 2, 3) and len(rows) == 5


def test_the_reader_gives_the_columns_in_the_order_the_store_writes_them() -> None:
    from ci_workflow.opportunities.export_sql import OUTPUT
    from ci_workflow.store.intake.incidents import FIELDS

    assert ("number", *FIELDS) == OUTPUT
