"""``improve portfolio``: per objective the improvements serving it by stage and its key
results' progress, the objectives nobody serves, programmes' estimated cost against budget;
every figure checked against one worked out here from what the test registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import change_status, get_improvement
from tests.helpers import Cli, improvement_doc, move_to, write_yaml
from tests.services.register.test_strategy import EXAMPLE, cast, example

__all__ = ["cast"]

# Each improvement: key, what it serves, its programme, estimated cost, the stage it gets to.
PLANNED: list[tuple[str, list[Any], str | None, float | None, str]] = [
    ("route-rule", ["restore-faster"], "network-resilience", 12000.0, "identified"),
    (
        "spare-switches",
        ["restore-faster", "fewer-repeat-incidents"],
        "network-resilience",
        50000.0,
        "executing",
    ),
    (
        "probe-links",
        [{"objective": "restore-faster", "contribution": "MTTR -1 h"}],
        "network-resilience",
        30000.0,
        "planned",
    ),
    ("reset-portal", ["self-service-first"], "service-desk-2027", 40000.0, "executing"),
    ("chat-bot", ["self-service-first"], "service-desk-2027", None, "defined"),
    ("old-idea", ["faster-changes"], "service-desk-2027", 99000.0, "withdrawn"),
]


def _withdrawn(ref: str) -> None:
    """As a withdrawal leaves it in the register (the run's cancelling is Prefect's)."""
    with transaction() as session:
        improvement = get_improvement(session, ref)
        change_status(session, improvement, Status.withdrawn, actor="test", reason="test")


@pytest.fixture
def registered(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", str(EXAMPLE))
    for key, serves, programme, cost, _ in PLANNED:
        doc = improvement_doc(key=key, serves=serves, programme=programme, estimated_cost=cost)
        if cost is None:
            doc.pop("estimated_cost")
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
    for number, (_, _, _, _, stage) in enumerate(PLANNED, start=1):
        if stage == "withdrawn":
            _withdrawn(f"IMP-{number:04d}")
        elif stage != "identified":
            move_to(stage, f"IMP-{number:04d}")
    cli.ok("strategy", "record", "network-mttr-median", "8", "--at", "2026-10-01")
    cli.ok("strategy", "record", "network-mttr-median", "6.2", "--at", "2026-11-01")


def test_the_portfolio_figures(registered: None, cli: Cli) -> None:
    found = cli.json("portfolio")
    assert found["version"] == 1
    strategy = example()
    order = [o["key"] for g in strategy["goals"] for o in g["objectives"]]
    assert [o["key"] for o in found["objectives"]] == order

    in_play = [p for p in PLANNED if p[4] != "withdrawn"]
    for objective in found["objectives"]:
        key = objective["key"]
        serving = [
            (f"IMP-{n:04d}", stage)
            for n, (_, serves, _, _, stage) in enumerate(PLANNED, start=1)
            if stage != "withdrawn"
            and key in [s if isinstance(s, str) else s["objective"] for s in serves]
        ]
        counts: dict[str, int] = {}
        for _, stage in serving:
            counts[stage] = counts.get(stage, 0) + 1
        assert objective["by_stage"] == counts, key
        assert [i["id"] for i in objective["improvements"]] == [i for i, _ in serving]
    restore = found["objectives"][0]
    assert restore["by_stage"] == {"identified": 1, "planned": 1, "executing": 1}
    assert [i["contribution"] for i in restore["improvements"]] == ["", "", "MTTR -1 h"]

    kr = restore["key_results"][0]
    spec = strategy["goals"][0]["objectives"][0]["key_results"][0]
    assert kr["latest"] == 6.2 and kr["target"] == spec["target"]
    expected = (6.2 - spec["baseline"]) / (spec["target"] - spec["baseline"]) * 100
    assert kr["achieved_pct"] == pytest.approx(expected)  # 3.3 of 5.5 h: 60 %
    assert round(kr["achieved_pct"]) == 60
    assert found["objectives"][1]["key_results"][0]["latest"] is None

    # faster-changes is served only by a withdrawn improvement: nobody serves it.
    assert [o["key"] for o in found["unserved"]] == ["faster-changes"]
    assert found["unserved"][0]["goal"] == "effortless-service"

    budgets = {p["key"]: p["budget"] for p in strategy["programmes"]}
    for programme in found["programmes"]:
        members = [p for p in in_play if p[2] == programme["key"]]
        cost = sum(p[3] for p in members if p[3] is not None)
        assert programme["budget"] == budgets[programme["key"]]
        assert programme["cost"] == cost
        assert programme["remaining"] == budgets[programme["key"]] - cost
        assert programme["over_budget"] == (cost > budgets[programme["key"]])
        assert programme["not_estimated"] == sum(1 for p in members if p[3] is None)
        assert len(programme["improvements"]) == len(members)
    desk, network = found["programmes"]
    assert (desk["cost"], desk["not_estimated"], desk["over_budget"]) == (40000, 1, False)
    assert (network["cost"], network["remaining"], network["over_budget"]) == (92000, -12000, True)


def test_the_portfolio_in_words(registered: None, cli: Cli) -> None:
    out = cli.ok("portfolio").stdout
    assert "improvements: 1 identified, 1 planned, 1 executing" in out
    assert "    IMP-0003 Cut the time to restore network incidents (planned): MTTR -1 h\n" in out
    assert (
        "key result network-mttr-median: 6.2 h → target 4 h by 2027-06-30 (60 % of the way, " in out
    )
    assert "nobody serves: faster-changes" in out
    assert (
        "programme network-resilience: cost 92,000 EUR of budget 80,000 EUR, -12,000 EUR left over budget: "
        "IMP-0001, IMP-0002, IMP-0003" in out
    )
    assert (
        "programme service-desk-2027: cost 40,000 EUR of budget 120,000 EUR, 80,000 EUR left, 1 not "
        in out
    )


def test_without_a_strategy_the_portfolio_says_how_to_start(people: None, cli: Cli) -> None:
    assert cli.ok("portfolio").stdout.strip() == (
        "no strategy applied yet: improve strategy apply strategy.yaml"
    )
    assert cli.json("portfolio") == {
        "version": None,
        "objectives": [],
        "unserved": [],
        "programmes": [],
        "capacity": [],
        "not_placed": [],
        "benefits": {"currency": "EUR", "split_rule": "", "objectives": [], "programmes": []},
    }
