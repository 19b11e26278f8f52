"""A Python source's params through the register (issue 24, #9): an oversized set is refused
when applied, naming the field; a secret among them reaches no output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml
from tests.metrics.sources import allow_python

FUNCTION = "tests.metrics.sources:mean_hours"


def test_params_beyond_the_bounds_are_refused_when_applied(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allow_python(monkeypatch, "tests.metrics.sources")
    source = {"kind": "python", "function": FUNCTION, "params": {"ids": list(range(5000))}}
    path = write_yaml(tmp_path, improvement_doc(objectives=[objective_doc(source=source)]))
    problems = cli.fails("apply", str(path))
    assert problems[0] == (
        f"{path}: objectives[0].source.params: more than the 500 values allowed "
        "(nested ones included)"
    )
    assert cli.json("list") == []


def test_a_secret_in_the_params_reaches_no_output(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allow_python(monkeypatch, "tests.metrics.sources")
    params = {
        "category": "network",
        "dsn": "host=db user=reader password=pw-one",
        "database": "postgresql://reader:pw-two@db.example.org/itsm",
        "options": {"api": {"token": "pw-three"}},
    }
    source = {"kind": "python", "function": FUNCTION, "params": params}
    cli.ok(
        "apply",
        str(write_yaml(tmp_path, improvement_doc(objectives=[objective_doc(source=source)]))),
    )
    shown = [
        cli.ok("show", "IMP-0001", "--json").stdout,
        cli.ok("show", "IMP-0001").stdout,
        cli.ok("export", "--format", "json").stdout,
        cli.ok("export", "--format", "csv").stdout,
        cli.ok("audit", "IMP-0001", "--json").stdout,
    ]
    assert [s for s in shown if "pw-" in s] == []
    (objective,) = cli.json("show", "IMP-0001")["objectives"]
    assert objective["source"]["params"] == {
        "category": "network",
        "dsn": "***",
        "database": "postgresql://reader:***@db.example.org/itsm",
        "options": {"api": {"token": "***"}},
    }
