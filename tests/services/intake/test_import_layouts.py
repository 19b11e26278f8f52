"""The example mapping of a `;`-separated Latin-1 event log with opening and closing states,
imported from a file generated here and checked against a computation written here; the hint a
wrong delimiter gets; and a dry run printed whole, whatever the terminal's width."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ci_workflow.store.db import transaction
from ci_workflow.store.intake.incidents import TABLE
from tests.helpers import Cli

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "mappings" / "semicolon_latin1.yaml"
HEADER = "Ticket;Horodatage;Statut;Groupe;Catégorie;Priorité"
STATES = ["En cours", "En cours", "Résolu", "Clos", "En attente"]


def make_events(seed: int = 5, tickets: int = 40) -> list[tuple[str, datetime, str, str, str, str]]:
    """Each ticket opens in "Nouveau", then moves between states and groups at random."""
    rng, events = random.Random(seed), []
    for n in range(tickets):
        at = datetime(2026, 3, 1) + timedelta(minutes=rng.randint(0, 60 * 24 * 40))
        group, kind, prio = (
            rng.choice(["Réseau", "Poste", "Messagerie"]),
            rng.choice(["Accès", "Matériel"]),
            rng.choice("1234"),
        )
        if rng.random() < 0.2:  # a note before the ticket is logged as new: not its opening
            events.append(
                (f"INC-{n:04}", at - timedelta(minutes=5), "Brouillon", group, kind, prio)
            )
        for step in range(rng.randint(1, 8)):
            if step and rng.random() < 0.4:
                group = rng.choice(["Réseau", "Poste", "Messagerie"])
            events.append(
                (f"INC-{n:04}", at, rng.choice(STATES) if step else "Nouveau", group, kind, prio)
            )
            at += timedelta(minutes=rng.randint(1, 2000))
    rng.shuffle(events)
    return events


def expected(events: list[tuple[str, datetime, str, str, str, str]]) -> dict[str, dict[str, Any]]:
    by_ticket: dict[str, list[tuple[str, datetime, str, str, str, str]]] = {}
    for event in events:
        by_ticket.setdefault(event[0], []).append(event)
    out = {}
    for ticket, its in by_ticket.items():
        its.sort(key=lambda e: e[1])
        states = [e[2] for e in its]
        done = [s in ("Résolu", "Clos") for s in states]
        teams: list[str] = []
        for e in its:
            if not teams or teams[-1] != e[3]:
                teams.append(e[3])
        utc = lambda moment: moment.replace(tzinfo=UTC)  # noqa: E731
        out[ticket] = {
            "opened_at": utc(next(e[1] for e in its if e[2] == "Nouveau")),
            "resolved_at": next((utc(e[1]) for e in its if e[2] in ("Résolu", "Clos")), None),
            "closed_at": utc(its[-1][1]) if states[-1] == "Clos" else None,
            "category": its[-1][4],
            "priority": its[-1][5],
            "assignment_group": its[-1][3],
            "reassignment_count": len(teams) - 1,
            "reopen_count": sum(1 for a, b in pairwise(done) if a and not b),
            "ping_pong_count": sum(1 for i in range(2, len(teams)) if teams[i] == teams[i - 2]),
        }
    return out


def write_export(tmp_path: Path, events: list[tuple[str, datetime, str, str, str, str]]) -> Path:
    path = tmp_path / "export.csv"
    lines = [HEADER] + [f"{t};{at:%d.%m.%Y %H:%M};{s};{g};{k};{p}" for t, at, s, g, k, p in events]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_the_semicolon_latin1_example_imports_a_matching_export(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    events = make_events()
    wanted = expected(events)
    assert sum(w["ping_pong_count"] for w in wanted.values()) > 2
    assert sum(w["reopen_count"] for w in wanted.values()) > 2
    assert any(w["closed_at"] is None for w in wanted.values())
    path = write_export(tmp_path, events)
    out = cli.ok("import", "incidents", str(path), "--mapping", str(EXAMPLE)).stdout
    assert out.splitlines()[0] == (
        f"{len(wanted)} incidents imported, 0 updated (from {len(events)} rows of export.csv)"
    )
    with transaction(write=False) as session:
        rows = {r["number"]: dict(r) for r in session.execute(select(TABLE)).mappings()}
    assert rows.keys() == wanted.keys()
    for ticket, fields in wanted.items():
        assert {k: rows[ticket][k] for k in fields} == fields, ticket


def test_a_semicolon_file_read_with_a_comma_says_what_the_delimiter_is(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path = write_export(tmp_path, make_events(tickets=3))
    comma = tmp_path / "comma.yaml"
    comma.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('delimiter: ";"', 'delimiter: ","')
    )
    lines = cli.fails("import", "incidents", str(path), "--mapping", str(comma))
    assert lines[0] == (
        f"{path}: no column Catégorie, Groupe, Horodatage, Priorité, Statut, Ticket (the header "
        "has one column holding ';': is the delimiter ';'? Set delimiter: in the mapping)"
    )


def test_the_dry_run_prints_every_field_whole(cli: Cli, store: str, tmp_path: Path) -> None:
    path = write_export(tmp_path, make_events(tickets=12))
    args = ("import", "incidents", str(path), "--mapping", str(EXAMPLE), "--dry-run")
    shown = cli.json(*args)["incidents"]
    text = cli.ok(*args).stdout
    assert "…" not in text
    printed: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(" ") and line in {i["number"] for i in shown}:
            current = printed.setdefault(line, {})
        elif line.startswith("  ") and printed:
            field, _, value = line.strip().partition(" ")
            current[field] = value.strip()
    assert len(printed) == len(shown) == 10
    for incident in shown:
        for field, value in incident.items():
            if field == "number":
                continue
            if value is None:
                assert printed[incident["number"]][field] == "-"
            elif field.endswith("_at"):
                moment = datetime.fromisoformat(value)
                assert printed[incident["number"]][field] == f"{moment:%Y-%m-%d %H:%M}"
            else:
                assert printed[incident["number"]][field] == str(value)
