"""From exports to opportunities: incidents, problems and SLAs imported with ``improve import``,
then ``improve opportunities detect`` finds the known error still causing incidents, the
problem left without a fix and the SLA definition breached above the others."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from ci_workflow.settings import get_settings
from tests.helpers import Cli

ROOT = Path(__file__).resolve().parents[3]
INCIDENTS = str(ROOT / "examples" / "mappings" / "generic_incidents.yaml")
START = datetime(2026, 1, 1)
PERIOD = ["--from", "2026-01-01", "--to", "2026-03-26"]


def write(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return str(path)


def exports(tmp_path: Path) -> tuple[str, str, str]:
    """12 weeks of 4 incidents a day on Exchange, every third linked to PRB1 (a workaround, no
    fix); each with a response and a resolution SLA, the resolution breached on every fifth."""
    incidents = [
        [
            "incident_id",
            "opened",
            "resolved",
            "closed",
            "category",
            "service",
            "priority",
            "group",
            "sla_met",
            "reopens",
            "reassignments",
            "problem",
            "change",
        ]
    ]
    slas = [["task", "sla", "stage", "has_breached", "start_time", "end_time", "planned_end_time"]]
    slas[0].append("business_percentage")
    for n in range(4 * 84):
        opened = START + timedelta(hours=6 * n + 1)
        at = f"{opened:%Y-%m-%d %H:%M}"
        resolved = f"{opened + timedelta(hours=3):%Y-%m-%d %H:%M}"
        problem = "PRB1" if n % 3 == 0 else ""
        incidents.append(
            [
                f"INC{n}",
                at,
                resolved,
                "",
                "Mail",
                "Exchange",
                "P3",
                "Messaging",
                "yes",
                "0",
                "0",
                problem,
                "",
            ]
        )
        started = f"{opened:%Y-%m-%d %H:%M}:00"
        ended = f"{opened + timedelta(hours=3):%Y-%m-%d %H:%M}:00"
        breached = "true" if n % 5 == 0 else "false"
        slas.append([f"INC{n}", "Mail response", "Completed", "false", started, ended, "", ""])
        slas.append([f"INC{n}", "Mail resolution", "Completed", breached, started, ended, "", ""])
    problems = [
        [
            "number",
            "state",
            "opened_at",
            "resolved_at",
            "closed_at",
            "cmdb_ci",
            "category",
            "priority",
            "assignment_group",
            "known_error",
            "workaround",
            "resolution_code",
        ],
        [
            "PRB1",
            "Known Error",
            "2025-12-01 09:00:00",
            "",
            "",
            "Exchange",
            "mail",
            "3",
            "Messaging",
            "true",
            "Restart the connector",
            "",
        ],
        [
            "PRB2",
            "Assess",
            "2025-11-01 09:00:00",
            "",
            "",
            "Exchange",
            "mail",
            "3",
            "Messaging",
            "false",
            "",
            "",
        ],
    ]
    return (
        write(tmp_path / "incidents.csv", incidents),
        write(tmp_path / "problem.csv", problems),
        write(tmp_path / "task_sla.csv", slas),
    )


def test_problems_and_slas_imported_are_found_as_opportunities(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_IMPROVEMENTS_DIR", str(tmp_path / "cir"))
    get_settings.cache_clear()
    incidents, problems, slas = exports(tmp_path)
    cli.ok("import", "incidents", incidents, "--mapping", INCIDENTS)
    assert cli.json("import", "problems", problems)["imported"] == 2
    assert cli.json("import", "slas", slas)["imported"] == 2 * 4 * 84
    found = cli.json("opportunities", "detect", *PERIOD, "--all")
    by_kind = {o["kind"]: o for o in found["opportunities"]}
    signals = {
        s["kind"]: s for o in found["opportunities"] for s in o["evidence"].get("signals", [])
    }

    known = by_kind["known_error_recurring"]
    linked = [n for n in range(4 * 84) if n % 3 == 0]
    assert known["group"] == "PRB1"
    assert known["evidence"]["incidents"] == len(linked)
    assert known["evidence"]["workaround"] is True

    # PRB2: open since November, no workaround, no fix; on the Exchange service, where the SLA
    # finding is too (one finding for the service, both signals listed).
    exchange = next(o for o in found["opportunities"] if o["group"] == "Exchange")
    kinds = {exchange["kind"], *(s["kind"] for s in exchange["evidence"].get("signals", []))}
    assert {"stale_problem", "sla_definition_breach"} <= kinds
    breach = exchange if exchange["kind"] == "sla_definition_breach" else None
    title = breach["title"] if breach else signals["sla_definition_breach"]["title"]
    breached = sum(1 for n in range(4 * 84) if n % 5 == 0)
    assert title.startswith(f"Exchange: Mail resolution breached on {breached} of {4 * 84} SLAs")

    # Accepted, the known error becomes an improvement about its incidents, from the problem.
    cli.ok("opportunities", "accept", str(known["number"]), "--as", "omar@example.org")
    (written,) = (tmp_path / "cir").glob(f"opp-{known['number']}-*.yaml")
    document = yaml.safe_load(written.read_text())
    assert document["title"] == "Fix the known error behind PRB1 incidents"
    assert document["source"] == "problem"
    assert document["objectives"][0]["source"]["metric"] == "problem_linked_count"
