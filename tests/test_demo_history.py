"""The demo's year of practice (examples/demo_history.py): every stage of the register holds
improvements, and closed ones show every verdict a review can give, and a gain that went back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import Cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def verdict(achieved_pct: float) -> str:
    """As the review report words it (computed here from the progress figures)."""
    if achieved_pct >= 100:
        return "met"
    return "partially met" if achieved_pct >= 50 else "not met"


@pytest.mark.slow
def test_a_year_of_practice_fills_every_stage_and_every_verdict(
    cli: Cli, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import demo_history

    people = demo_history.register_people(EXAMPLES / "people.txt", "improve-demo-history")
    assert len(people) == 8 and "Henrik Berg" in people and "Nora Lindqvist" in people
    steps = demo_history.build(tmp_path / "history")
    assert steps > 200

    rows = cli.json("list")
    statuses = Counter(r["status"] for r in rows)
    assert len(rows) >= 28
    for stage in (
        "identified",
        "defined",
        "awaiting_approval",
        "executing",
        "in_review",
        "closed",
        "withdrawn",
        "rejected",
    ):
        assert statuses[stage] >= 1, f"no improvement {stage}: {statuses}"
    assert {r["process"] for r in rows} == {
        "Incident Management",
        "Service Request Management",
        "Change Enablement",
    }

    closed = [r["id"] for r in rows if r["status"] == "closed"]
    verdicts = Counter(
        verdict(o["achieved_pct"]) for ref in closed for o in cli.json("progress", ref)
    )
    assert set(verdicts) == {"met", "partially met", "not met"}, verdicts
    held = Counter(r["held"] for r in cli.json("sustainment"))
    assert held["regressed"] >= 1 and held["held"] >= 1 and held["measuring"] >= 1, held

    # A rework loop: sent back, then resubmitted, then approved at the second attempt.
    shown = cli.json("show", "request-catalogue-cleanup")
    decisions = [(d["gate"], d["decision"]) for d in shown["gate_decisions"]]
    assert decisions[:3] == [
        ("plan_approval", "rework"),
        ("resubmitted", "resubmit"),
        ("plan_approval", "approve"),
    ]
    # Plan tasks: all done when closed; an improvement still executing has some overdue.
    assert all(a["status"] == "done" for a in shown["plan"])
    executing = [r["id"] for r in rows if r["status"] == "executing"]
    assert any(cli.json("show", ref)["overdue_actions"] for ref in executing)
    # Ideas and the findings in the imported incidents wait among the opportunities.
    found = cli.json("opportunities", "detect")
    kinds = {o["kind"] for o in found["opportunities"]}
    assert {"rising_share", "sla_breach", "ping_pong", "long_resolution"} <= kinds, kinds
    ideas = [cli.json("opportunities", "show", str(n)) for n in (1, 2, 3)]
    assert [(i["kind"], i["status"]) for i in ideas] == [
        ("staff_idea", "accepted"),
        ("staff_idea", "dismissed"),
        ("staff_idea", "new"),
    ]
    assert cli.json("show", ideas[0]["improvement"])["status"] == "identified"
