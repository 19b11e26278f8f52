"""Importing problem and SLA exports (``improve import problems|slas``): the records they make,
what a bad row does, updates by id, and refusals that write nothing."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ci_workflow.store.db import transaction
from ci_workflow.store.tables import ProblemRecord, SlaRecord
from tests.helpers import Cli

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
# ServiceNow's problem list exported to CSV: its own field names as the header.
PROBLEM_HEADER = [
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
]
CODES = ["", "Fix Applied", "Risk Accepted"]
SLA_HEADER = [
    "task",
    "sla",
    "stage",
    "has_breached",
    "start_time",
    "end_time",
    "planned_end_time",
    "business_percentage",
]


def stamp(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else ""


def problem_row(n: int) -> list[str]:
    opened = START + timedelta(days=n)
    resolved = opened + timedelta(days=10) if n % 3 == 1 else None
    return [
        f"PRB{n:07d}",
        "Resolved" if resolved else "Assess",
        stamp(opened),
        stamp(resolved),
        "",
        "VPN" if n % 2 else "Email",
        "network",
        "2 - High",
        "Network",
        "true" if n % 2 else "false",
        "Restart the client" if n % 4 == 1 else "",
        CODES[n % 3],
    ]


def expected_problem(n: int) -> dict[str, Any]:
    opened = START + timedelta(days=n)
    code = CODES[n % 3]
    return {
        "number": f"PRB{n:07d}",
        "state": "Resolved" if n % 3 == 1 else "Assess",
        "opened_at": opened,
        "resolved_at": opened + timedelta(days=10) if n % 3 == 1 else None,
        "closed_at": None,
        "service": "VPN" if n % 2 else "Email",
        "known_error": n % 2 == 1,
        "has_workaround": n % 4 == 1,
        "fix": code or None,
        "fixed": code == "Fix Applied",
    }


def write(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def problems_stored() -> dict[str, dict[str, Any]]:
    with transaction(write=False) as session:
        found = session.execute(select(ProblemRecord)).scalars().all()
        return {
            p.number: {f: getattr(p, f) for f in expected_problem(0)}
            | {"opened_at": p.opened_at and p.opened_at.replace(tzinfo=UTC)}
            | {"resolved_at": p.resolved_at and p.resolved_at.replace(tzinfo=UTC)}
            for p in found
        }


def test_a_servicenow_problem_export_imports_by_default_counts_a_bad_row_and_updates_by_id(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    bad = problem_row(9)
    bad[2] = "last tuesday"
    path = write(
        tmp_path / "problem.csv", PROBLEM_HEADER, [problem_row(n) for n in range(6)] + [bad]
    )
    out = cli.ok("import", "problems", path).stdout
    assert "6 problems imported, 0 updated (from 7 rows of problem.csv)" in out
    assert "1 row(s): opened_at: not a time in '%Y-%m-%d %H:%M:%S' (line 8)" in out
    assert problems_stored() == {f"PRB{n:07d}": expected_problem(n) for n in range(6)}

    # A newer export: PRB0000002 was fixed since, PRB0000009 now readable.
    fixed = problem_row(2)
    fixed[1], fixed[-1] = "Closed", "Fix Applied"
    again = cli.json(
        "import", "problems", write(tmp_path / "newer.csv", PROBLEM_HEADER, [fixed, problem_row(9)])
    )
    assert again == {"rows": 2, "imported": 1, "updated": 1, "left_out": []}
    stored = problems_stored()
    assert (stored["PRB0000002"]["state"], stored["PRB0000002"]["fixed"]) == ("Closed", True)
    assert stored["PRB0000009"] == expected_problem(9)
    assert len(stored) == 7


def test_a_generic_problem_mapping_reads_its_fix_from_any_value(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "problems.yaml"
    mapping.write_text(
        "columns: {id: ref, state: status, opened: opened, fix: fix_change}\n"
        'timestamp_format: "%d/%m/%Y"\nmissing: "-"\n',
        encoding="utf-8",
    )
    path = tmp_path / "p.csv"
    path.write_text(
        "ref,status,opened,fix_change\nP1,open,03/10/2026,-\nP2,done,04/10/2026,CHG42\n",
        encoding="utf-8",
    )
    shown = cli.json("import", "problems", str(path), "--mapping", str(mapping), "--dry-run")
    assert [(p["number"], p["fix"], p["fixed"], p["known_error"]) for p in shown["records"]] == [
        ("P1", None, False, None),  # known_error not mapped: unknown, not "no"
        ("P2", "CHG42", True, None),
    ]
    assert shown["sources"]["known_error"] == "not mapped"
    assert problems_stored() == {}  # a dry run writes nothing


def test_a_malformed_problem_export_is_refused_naming_the_file_and_field(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    header = [c for c in PROBLEM_HEADER if c != "state"]
    rows = [[v for i, v in enumerate(problem_row(n)) if i != 1] for n in range(3)]
    path = write(tmp_path / "no_state.csv", header, rows)
    lines = cli.fails("import", "problems", path)
    assert any(str(path) in line and "no column state" in line for line in lines), lines
    every_bad = [problem_row(n) for n in range(3)]
    for row in every_bad:
        row[1] = ""
    refused = cli.run(
        "import", "problems", write(tmp_path / "blank.csv", PROBLEM_HEADER, every_bad), "--json"
    )
    assert refused.exit_code == 1
    assert "none of its 3 rows could be used (3 for state: the state is missing" in refused.stdout
    strict = cli.fails(
        "import",
        "problems",
        write(tmp_path / "one_bad.csv", PROBLEM_HEADER, [problem_row(1), every_bad[0]]),
        "--strict",
    )
    assert any(
        "one_bad.csv" in line and "state: the state is missing (line 3)" in line for line in strict
    )
    assert problems_stored() == {}


def sla_row(n: int) -> list[str]:
    started = START + timedelta(hours=n)
    breached = n % 4 == 0
    return [
        f"INC{n // 2:07d}",
        "P2 resolution" if n % 2 else "P2 response",
        "Cancelled" if n % 5 == 3 else "Completed",
        "true" if breached else "false",
        stamp(started),
        stamp(started + timedelta(hours=3)),
        stamp(started + timedelta(hours=2)),
        f"{150 if breached else 40 + n}.5",
    ]


def slas_stored() -> dict[str, tuple[Any, ...]]:
    with transaction(write=False) as session:
        found = session.execute(select(SlaRecord)).scalars().all()
        return {
            s.key: (s.task, s.definition, s.cancelled, s.has_breached, s.business_percentage)
            for s in found
        }


def sla_key(n: int) -> str:
    row = sla_row(n)
    return f"{row[0]}|{row[1]}|{row[4]}"


def test_a_task_sla_export_upserts_by_task_definition_and_start(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    bad = sla_row(20)
    bad[7] = "most"
    path = write(tmp_path / "task_sla.csv", SLA_HEADER, [sla_row(n) for n in range(8)] + [bad])
    out = cli.ok("import", "slas", path).stdout
    assert "8 SLAs imported, 0 updated (from 9 rows of task_sla.csv)" in out
    assert "1 row(s): business_percentage: not a number (line 10)" in out
    expected = {
        sla_key(n): (
            f"INC{n // 2:07d}",
            "P2 resolution" if n % 2 else "P2 response",
            n % 5 == 3,
            n % 4 == 0,
            150.5 if n % 4 == 0 else 40.5 + n,
        )
        for n in range(8)
    }
    assert slas_stored() == expected
    # The same SLA later: breached now; it is updated, not added.
    later = sla_row(1)
    later[3], later[7] = "true", "120"
    again = cli.json("import", "slas", write(tmp_path / "again.csv", SLA_HEADER, [later]))
    assert (again["imported"], again["updated"]) == (0, 1)
    assert slas_stored()[sla_key(1)][3:] == (True, 120.0)


def test_an_sla_mapping_with_its_own_id_upserts_by_it(cli: Cli, store: str, tmp_path: Path) -> None:
    mapping = tmp_path / "sla.yaml"
    mapping.write_text(
        "columns: {id: sys_id, task: task, definition: sla, has_breached: has_breached, "
        "start: start_time}\n",
        encoding="utf-8",
    )
    header = ["sys_id", "task", "sla", "has_breached", "start_time"]
    first = [["a1", "INC1", "P1 resolution", "false", "2026-10-01 08:00:00"]]
    cli.ok("import", "slas", write(tmp_path / "a.csv", header, first), "--mapping", str(mapping))
    # Its start time moved (the SLA was repaired): still the same record, by its id.
    moved = [["a1", "INC1", "P1 resolution", "true", "2026-10-01 09:00:00"]]
    again = cli.json(
        "import", "slas", write(tmp_path / "b.csv", header, moved), "--mapping", str(mapping)
    )
    assert (again["imported"], again["updated"]) == (0, 1)
    assert slas_stored() == {"a1": ("INC1", "P1 resolution", False, True, None)}
    missing = cli.fails(
        "import",
        "slas",
        write(tmp_path / "c.csv", header, [["", "INC2", "P1", "false", "2026-10-01 08:00:00"]]),
        "--mapping",
        str(mapping),
    )
    assert any("c.csv" in line and "nothing was written" in line for line in missing)


def test_the_examples_are_the_defaults_shipped() -> None:
    from ci_workflow.opportunities.incident_export import load_model
    from ci_workflow.services.intake.record_import import MODELS, load_record_mapping

    examples = Path(__file__).resolve().parents[3] / "examples" / "mappings"
    for records, name in (("problems", "servicenow_problem"), ("slas", "servicenow_task_sla")):
        example = load_model(examples / f"{name}.yaml", MODELS[records][0])
        assert load_record_mapping(records, None) == example


def test_a_malformed_mapping_is_refused_naming_it_and_the_field(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "sla.yaml"
    mapping.write_text("columns: {task: task, definition: sla, start: start_time}\n")
    path = write(tmp_path / "task_sla.csv", SLA_HEADER, [sla_row(n) for n in range(3)])
    lines = cli.fails("import", "slas", path, "--mapping", str(mapping))
    assert any(str(mapping) in line and "columns.has_breached" in line for line in lines), lines
    assert slas_stored() == {}
