"""Importing change exports, and what a plan action's change then shows (show, gate summary)."""

from __future__ import annotations

from pathlib import Path

from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.lifecycle.gate_opening import gate_description
from tests.helpers import Cli, improvement_doc, write_yaml

ROOT = Path(__file__).resolve().parents[3]
SERVICENOW = str(ROOT / "examples" / "mappings" / "servicenow_change_request.yaml")
GENERIC = str(ROOT / "examples" / "mappings" / "generic_changes.yaml")
HEADER = "number,state,opened_at,start_date,end_date,closed_at,cmdb_ci,type,risk,close_code"
ROWS = [
    "CHG0001234,Implement,2026-11-01 09:00:00,2026-11-10 20:00:00,2026-11-10 22:00:00,?,"
    "Corporate Network,Normal,Moderate,?",
    "CHG0001235,Closed,2026-11-01 09:00:00,2026-11-10 20:00:00,2026-11-10 22:00:00,"
    "2026-11-11 08:00:00,Corporate Network,Normal,Moderate,unsuccessful",
    'CHG0001236,Closed,2026-11-02 10:00:00,?,?,2026-11-12 08:30:00,"Email, EU",Standard,Low,'
    "successful",
]
BAD = "CHG0001237,Closed,2026-11-02 10:00:00,?,?,yesterday,Email,Standard,Low,successful"


def export(folder: Path, rows: list[str], name: str = "change_request.csv") -> str:
    """A ServiceNow-shaped export as Excel leaves it: a UTF-8 byte-order mark, CRLF lines."""
    path = folder / name
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, *rows, ""]).encode("utf-8"))
    return str(path)


def test_a_servicenow_export_imports_counts_a_bad_row_and_updates_by_id(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path = export(tmp_path, [*ROWS, BAD])
    out = cli.ok("import", "changes", path, "--mapping", SERVICENOW).stdout
    assert "3 changes imported, 0 updated (from 4 rows of change_request.csv)" in out
    assert "1 row(s): closed_at: not a time in '%Y-%m-%d %H:%M:%S' (line 5)" in out
    fixed = BAD.replace("yesterday", "2026-11-13 09:00:00")
    again = cli.json(
        "import", "changes", export(tmp_path, [ROWS[0], fixed]), "--mapping", SERVICENOW
    )
    assert again == {"rows": 2, "imported": 1, "updated": 1, "left_out": []}


def test_strict_refuses_the_file_and_dry_run_writes_nothing(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    path = export(tmp_path, [*ROWS, BAD])
    lines = cli.fails("import", "changes", path, "--mapping", SERVICENOW, "--strict")
    assert any("closed_at: not a time" in line and "(line 5)" in line for line in lines)
    shown = cli.json("import", "changes", path, "--mapping", SERVICENOW, "--dry-run")
    assert [c["number"] for c in shown["changes"]] == ["CHG0001234", "CHG0001235", "CHG0001236"]
    assert [c["outcome"] for c in shown["changes"]] == ["open", "failed", "closed"]
    assert shown["changes"][2]["service"] == "Email, EU"
    assert shown["changes"][0]["closed_at"] is None  # "?" is missing, not a bad time
    # Nothing was written by either: a fresh import still finds every change new.
    out = cli.json("import", "changes", export(tmp_path, ROWS), "--mapping", SERVICENOW)
    assert (out["imported"], out["updated"]) == (3, 0)


def test_a_generic_export_in_another_encoding_and_delimiter(
    cli: Cli, store: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "changes.yaml"
    text = Path(GENERIC).read_text(encoding="utf-8")
    mapping.write_text(text + 'delimiter: ";"\nencoding: cp1252\n', encoding="utf-8")
    path = tmp_path / "changes.csv"
    path.write_bytes(
        "change_id;state;opened;planned_start;planned_end;closed;service;type;risk;result\n"
        "C-1;done;2026-11-01 09:00;;;2026-11-03 10:00;Café;normal;low;rolled back\n"
        "C-2;open;2026-11-01 09:00;2026-11-09 10:00;2026-11-08 10:00;;Café;normal;low;\n".encode(
            "cp1252"
        )
    )
    out = cli.json("import", "changes", str(path), "--mapping", str(mapping), "--dry-run")
    assert [(c["number"], c["outcome"], c["service"]) for c in out["changes"]] == [
        ("C-1", "failed", "Café")
    ]
    assert out["left_out"] == [f"{path}: 1 row(s): planned to end before it starts (line 3)"]


def linked_improvement(cli: Cli, tmp_path: Path) -> None:
    plan = [
        {"action": "Add a routing rule", "owner": "Priya Nair", "change": "CHG0001234"},
        {"action": "Tune the alerts", "owner": "Priya Nair", "change": "CHG0001235"},
        {"action": "Replace the switch", "owner": "Priya Nair", "change": "CHG0001236"},
        {"action": "Fix the runbook", "owner": "Priya Nair", "change": "CHG0009999"},
    ]
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(plan=plan))))
    cli.ok("import", "changes", export(tmp_path, ROWS), "--mapping", SERVICENOW)


def test_show_gives_the_state_of_each_plan_actions_change(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    linked_improvement(cli, tmp_path)
    out = cli.ok("show", "IMP-0001").stdout
    assert "CHG0001234 Implement" in out
    assert "CHG0001236 Closed 2026-11-12 (successful)" in out
    assert "CHG0009999 (not imported)" in out
    plan = cli.json("show", "IMP-0001")["plan"]
    assert (plan[1]["change_state"], plan[1]["change_outcome"]) == ("Closed", "failed")
    assert plan[1]["change_close_code"] == "unsuccessful"
    assert plan[2]["change_closed_at"] == "2026-11-12T08:30:00Z"
    assert plan[3]["change_state"] is None


def test_the_execution_gate_warns_of_changes_open_failed_or_unknown(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    linked_improvement(cli, tmp_path)
    summary = gate_description(1, Gate.execution_complete)
    warnings = [line for line in summary.splitlines() if line.startswith("- ⚠ Change")]
    assert len(warnings) == 3
    assert "CHG0001234 is Implement \\(not closed\\)" in warnings[0]
    assert "CHG0001235 failed \\(unsuccessful\\)" in warnings[1]
    assert "CHG0009999 was not found among the imported changes" in warnings[2]
    assert "⚠" not in gate_description(1, Gate.plan_approval)
