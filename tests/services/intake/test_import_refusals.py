"""What an import refuses rather than accept in silence: a mapping under which no row can be
used, repeated ids in a one-row export, values longer than the register keeps (the same on
SQLite and PostgreSQL); and ``--json`` answers in JSON when it refuses."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from ci_workflow.store.db import transaction
from ci_workflow.store.intake.change_records import TABLE as CHANGES
from ci_workflow.store.intake.incidents import TABLE
from tests.helpers import Cli

MAPPING = """\
layout: one_row
columns: {id: id, opened: opened, resolved: resolved, closed: closed, category: category,
  problem_id: problem}
timestamp_format: "%Y-%m-%d %H:%M"
"""
HEADER = "id,opened,resolved,closed,category,problem\n"


def write(tmp_path: Path, rows: list[str], mapping: str = MAPPING) -> tuple[str, str]:
    path, rules = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))
    rules.write_text(mapping)
    return str(path), str(rules)


def incidents() -> int:
    with transaction(write=False) as session:
        return session.execute(select(func.count()).select_from(TABLE)).scalar_one()


def test_a_mapping_under_which_no_row_can_be_used_fails_naming_the_file_and_the_field(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    rows = [f"INC{n},{n + 1:02}/03/2026 08:00,,,net," for n in range(7)]
    path, rules = write(tmp_path, rows)
    lines = cli.fails("import", "incidents", path, "--mapping", rules)
    assert lines[0] == (
        f"{path}: 7 row(s): opened: not a time in '%Y-%m-%d %H:%M' (line 2, 3, 4, ...)"
    )
    assert lines[-1] == (
        f"error: {path}: none of its 7 rows could be used (7 for opened: not a time in "
        "'%Y-%m-%d %H:%M': is timestamp_format right?); nothing was written"
    )
    refused = json.loads(cli.run("import", "incidents", path, "--mapping", rules, "--json").stdout)
    assert refused["problems"] == [lines[0]]
    assert refused["error"] == lines[-1].removeprefix("error: ")
    assert incidents() == 0


def test_repeated_ids_in_a_one_row_export_are_counted_and_refused_when_strict(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    rows = [
        "INC1,2026-03-01 08:00,,,net,",
        "INC2,2026-03-01 09:00,,,net,",
        "INC1,2026-03-02 08:00,,,mail,",
        "INC3,2026-03-02 09:00,,,net,",
        "INC1,2026-03-03 08:00,,,disk,",
        "INC2,2026-03-03 09:00,,,mail,",
    ]
    path, rules = write(tmp_path, rows)
    # Worked out here: every row whose id comes again further down is replaced by that row.
    ids = [r.split(",")[0] for r in rows]
    replaced = [n + 2 for n, i in enumerate(ids) if i in ids[n + 1 :]]
    assert replaced == [2, 3, 4]
    reason = f"{len(replaced)} row(s): id: the same id is on a later line, which replaces this one"
    expected = f"{path}: {reason} (line 2, 3, 4)"
    lines = cli.fails("import", "incidents", path, "--mapping", rules, "--strict")
    assert lines[0] == expected
    assert incidents() == 0
    refused = json.loads(
        cli.run("import", "incidents", path, "--mapping", rules, "--strict", "--json").stdout
    )
    assert refused["problems"] == [expected]
    assert refused["error"].endswith("1 problem, nothing was written")
    done = cli.json("import", "incidents", path, "--mapping", rules)
    assert (done["imported"], done["left_out"]) == (3, [expected])
    with transaction(write=False) as session:
        kept = dict(session.execute(select(TABLE.c.number, TABLE.c.category)).all())
    last = {i: r.split(",")[4] for i, r in zip(ids, rows, strict=True)}
    assert kept == last == {"INC1": "disk", "INC2": "mail", "INC3": "net"}


def test_values_longer_than_the_register_keeps_are_left_out_the_same_on_every_store(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    long_id, long_problem = "I" * 65, "PRB" + "9" * 62
    rows = [
        "INC1,2026-03-01 08:00,,,net,PRB1",
        f"{long_id},2026-03-01 09:00,,,net,",
        f"INC3,2026-03-02 08:00,,,{'c' * 201},",
        f"INC4,2026-03-02 09:00,,,net,{long_problem}",
        f"INC5,2026-03-02 10:00,,,{'é' * 200},{'P' * 64}",
    ]
    path, rules = write(tmp_path, rows)
    lines = cli.fails("import", "incidents", path, "--mapping", rules, "--strict")
    assert lines[:3] == [
        f"{path}: 1 row(s): category: longer than 200 characters, the most the register keeps (line 4)",
        f"{path}: 1 row(s): id: longer than 64 characters, the most the register keeps (line 3)",
        f"{path}: 1 row(s): problem: longer than 64 characters, the most the register keeps (line 5)",
    ]
    assert incidents() == 0
    done = cli.json("import", "incidents", path, "--mapping", rules)
    assert done["imported"] == 2 and len(done["left_out"]) == 3
    with transaction(write=False) as session:
        kept = dict(session.execute(select(TABLE.c.number, TABLE.c.category)).all())
    assert kept == {"INC1": "net", "INC5": "é" * 200}  # 200 characters, 400 bytes: kept


def test_a_change_export_refuses_long_values_repeated_ids_and_nothing_usable(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path, rules = tmp_path / "changes.csv", tmp_path / "changes.yaml"
    rules.write_text(
        "columns: {id: id, state: state, closed: closed}\n"
        'timestamp_format: "%Y-%m-%d %H:%M"\nclosed_states: [Closed]\n'
    )
    path.write_text(
        "id,state,closed\nC-1,Closed,2026-03-02 08:00\n"
        f"C-2,{'S' * 65},\nC-1,Closed,2026-03-03 08:00\n"
    )
    lines = cli.fails("import", "changes", str(path), "--mapping", str(rules), "--strict")
    assert lines[:2] == [
        f"{path}: 1 row(s): state: longer than 64 characters, the most the register keeps (line 3)",
        f"{path}: 1 row(s): id: the same change id is on a later line; the last usable is kept (line 2)",
    ]
    done = cli.json("import", "changes", str(path), "--mapping", str(rules))
    assert done["imported"] == 1
    with transaction(write=False) as session:
        assert session.execute(select(CHANGES.c.number)).scalars().all() == ["C-1"]
    path.write_text("id,state,closed\nC-7,Closed,2 March\nC-8,Closed,3 March\n")
    lines = cli.fails("import", "changes", str(path), "--mapping", str(rules))
    assert lines[-1].startswith(f"error: {path}: none of its 2 rows could be used")
