"""``improve show`` says an improvement's estimated effort; ``improve strategy show`` lists the
capacity per quarter strategy.yaml gives (text and JSON)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.register.test_strategy import cast, example, write

__all__ = ["cast"]

CAPACITY = [
    {"quarter": "2027Q2", "hours": 1000, "budget": 50000},
    {"quarter": "2027Q1", "hours": 1200, "budget": 60000},
]


def test_improve_show_says_the_estimated_effort(people: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(estimated_hours=320))))
    assert "  estimated effort: 320 h" in cli.ok("show", "IMP-0001").stdout.splitlines()
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="other"))))
    assert "  estimated effort: not estimated" in cli.ok("show", "IMP-0002").stdout.splitlines()


def test_strategy_show_lists_the_capacity_per_quarter(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", write(tmp_path, {**example(), "capacity": CAPACITY}))
    in_order = sorted(CAPACITY, key=lambda q: str(q["quarter"]))
    assert cli.json("strategy", "show")["capacity"] == in_order
    lines = cli.ok("strategy", "show").stdout.splitlines()
    assert lines[-2:] == [
        "capacity 2027Q1: 1,200 h, budget 60,000 EUR",
        "capacity 2027Q2: 1,000 h, budget 50,000 EUR",
    ]
