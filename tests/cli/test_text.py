"""Text people typed, in the terminal and in improvement files (issue 24, #10): the CLI shows
what a terminal would act on as escapes (a title cannot print a forged ``status:`` line,
recolour the screen or reverse what follows it), and ``apply`` refuses control characters and
bidirectional controls (line breaks and tabs only in the fields that hold paragraphs)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli, improvement_doc, write_yaml

# As an older version let it in: a title that prints two forged lines, clears the screen,
# and reverses what follows it.
FORGED = "Faster fixes\n  status: closed\n  owner: Carmen Ruiz\x1b[2J\u202eexe.txt\tend"
RAW = ("\n  status: closed", "\x1b", "\u202e", "\t")
SHOWN = r"Faster fixes\n  status: closed\n  owner: Carmen Ruiz\x1b[2J\u202eexe.txt\tend"


@pytest.fixture
def forged(cli: Cli, people: None, tmp_path: Path) -> None:
    """IMP-0001 and IMP-0002 with the forged title; IMP-0002 waits at plan approval."""
    for key in ("first", "second"):
        cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key=key))))
    with transaction() as session:
        for ref in ("IMP-0001", "IMP-0002"):
            improvement = get_improvement(session, ref)
            improvement.title = FORGED
            session.add(improvement)
    run = str(uuid.uuid4())
    define_stage(2, run)
    open_gate(2, "plan_approval", 1, run)


def shows_it_escaped(output: str) -> None:
    for raw in RAW:
        assert raw not in output, repr(raw)
    assert SHOWN in output


def test_show_prints_no_forged_field_line(cli: Cli, forged: None) -> None:
    out = cli.ok("show", "IMP-0001").stdout
    assert [line for line in out.splitlines() if line.strip().startswith("status:")] == [
        "  status: identified"
    ]
    assert [line for line in out.splitlines() if line.strip().startswith("owner:")] == [
        "  owner: Lena Fischer"
    ]
    shows_it_escaped(out)


def test_list_audit_and_gates_show_control_characters_escaped(cli: Cli, forged: None) -> None:
    for raw in RAW:
        assert raw not in cli.ok("list").stdout
    gates = cli.ok("gates").stdout
    assert "IMP-0002" in gates and "Faster fixes" in gates
    for raw in RAW:
        assert raw not in gates
    cli.ok("withdraw", "IMP-0001", "--as", "Carmen Ruiz", "--reason", f"dup\n{FORGED}")
    audit = cli.ok("audit", "IMP-0001").stdout
    for raw in RAW:
        assert raw not in audit
    assert r"dup\nFaster" in audit


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("title", "Fix \u202egnp.exe", "holds U+202E, a bidirectional control"),
        ("title", "Fix\n  status: closed", "holds a line break; this field is one line"),
        ("title", "Fix\tit", "holds a tab; this field is one line"),
        ("owner", "Lena Fischer\u2066", "holds U+2066, a bidirectional control"),
        ("description", "Ring \x07 the bell", "holds U+0007, a control character"),
        ("vision", "Red \x1b[31m", "holds U+001B, a control character"),
        ("scope", "C1 \x85 next line", "holds U+0085, a control character"),
    ],
)
def test_apply_refuses_control_and_bidirectional_characters(
    cli: Cli, people: None, tmp_path: Path, field: str, value: str, problem: str
) -> None:
    path = write_yaml(tmp_path, improvement_doc(**{field: value}))
    assert cli.fails("apply", str(path)) == [
        f"{path}: {field}: {problem}"
        + ("; only printable text is kept" if "control" in problem else ""),
        f"error: {path}: 1 problem, nothing was written",
    ]
    assert cli.json("list") == []


def test_paragraphs_keep_their_line_breaks_and_tabs(cli: Cli, people: None, tmp_path: Path) -> None:
    plan = [{"action": "Route\n\tby category", "owner": "Priya Nair"}]
    doc = improvement_doc(description="First.\n\n\tThen this.", plan=plan)
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    shown = cli.json("show", "IMP-0001")
    assert shown["description"] == "First.\n\n\tThen this."
    assert shown["plan"][0]["action"] == "Route\n\tby category"
    reversed_plan = [{"action": "Route \u202d by", "owner": "Priya Nair"}]
    (line, _) = cli.fails("apply", str(write_yaml(tmp_path, improvement_doc(plan=reversed_plan))))
    assert line.endswith(
        "plan[0].action: holds U+202D, a bidirectional control; only printable text is kept"
    )
