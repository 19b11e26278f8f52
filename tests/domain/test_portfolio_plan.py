"""The plan's choice against brute force: on random small portfolios (fixed seed) the solver's
set is feasible and its value is the best any subset reaches; what is left out says why."""

from __future__ import annotations

import itertools
import random

import pytest
from pydantic import ValidationError

from ci_workflow.domain.strategy.capacity import (
    CapacitySpec,
    Demand,
    capacity_changes,
    loads,
    placed,
)
from ci_workflow.domain.strategy.plan import Candidate, Measure, choose
from ci_workflow.domain.strategy.spec import StrategySpec


def _best_by_brute_force(items: list[Candidate], budget: float, hours: float) -> float:
    best = 0.0
    for size in range(len(items) + 1):
        for subset in itertools.combinations(items, size):
            cost = sum(c.cost or 0 for c in subset)
            used = sum(c.hours or 0 for c in subset)
            if cost <= budget and used <= hours:
                best = max(best, sum(c.value or 0 for c in subset))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_solver_reaches_the_brute_force_optimum(seed: int) -> None:
    rng = random.Random(seed)
    items = [
        Candidate(
            f"IMP-{n:04d}",
            f"item {n}",
            cost=float(rng.randrange(1000, 40000, 500)),
            hours=float(rng.randrange(20, 600, 10)),
            value=float(rng.randrange(1000, 90000, 250)),
        )
        for n in range(1, rng.randint(6, 11))
    ]
    budget = float(rng.randrange(20000, 120000, 1000))
    hours = float(rng.randrange(200, 1500, 50))
    plan = choose(items, budget=budget, hours=hours, measure=Measure.value)
    assert plan.total_cost <= budget and plan.total_hours <= hours  # feasible
    assert plan.total_value == pytest.approx(_best_by_brute_force(items, budget, hours))
    chosen = {c.id for c in plan.chosen}
    assert chosen | {left.candidate.id for left in plan.left_out} == {c.id for c in items}
    for left in plan.left_out:  # an optimal set leaves out only what no longer fits
        assert left.reason.startswith("does not fit the remaining budget and hours: needs")


def test_the_greedy_ratio_would_miss_the_best_set() -> None:
    # Best value per cost first takes the small one (2 a unit), then the big one (1.5 a
    # unit) no longer fits: 20 in all. The optimum is the big one alone: 150.
    items = [
        Candidate("IMP-0001", "small", cost=10, hours=1, value=20),
        Candidate("IMP-0002", "big", cost=100, hours=1, value=150),
    ]
    plan = choose(items, budget=100, hours=10, measure=Measure.value)
    assert [c.id for c in plan.chosen] == ["IMP-0002"]
    assert (plan.total_value, plan.total_cost, plan.total_hours) == (150, 100, 1)
    (left,) = plan.left_out
    assert left.reason == (
        "does not fit the remaining budget and hours: needs 10 of the 0 budget left"
    )


def test_without_an_estimate_or_a_value_it_is_left_out_before_solving() -> None:
    items = [
        Candidate("IMP-0001", "no hours", cost=10, hours=None, value=60),
        Candidate("IMP-0002", "no cost or hours", cost=None, hours=None, value=60),
        Candidate("IMP-0003", "no gain", cost=10, hours=5, value=None),
        Candidate("IMP-0004", "fits", cost=10, hours=5, value=1),
        Candidate("IMP-0005", "too long", cost=10, hours=50, value=90),
    ]
    plan = choose(items, budget=100, hours=10, measure=Measure.value)
    assert [c.id for c in plan.chosen] == ["IMP-0004"]
    assert [(x.candidate.id, x.reason) for x in plan.left_out] == [
        ("IMP-0001", "no estimate (hours not estimated)"),
        ("IMP-0002", "no estimate (cost and hours not estimated)"),
        ("IMP-0003", "no value (no expected gain)"),
        ("IMP-0005", "does not fit the remaining budget and hours: needs 50 h of the 5 h left"),
    ]
    wsjf = choose(items[2:3], budget=100, hours=10, measure=Measure.wsjf)
    assert wsjf.left_out[0].reason == "no value (no WSJF score)"


def test_a_quarter_takes_the_latest_action_due_else_the_earliest_objective_due() -> None:
    from datetime import date

    assert placed([date(2026, 12, 15), date(2027, 1, 15), None], [date(2027, 9, 1)]) == "2027Q1"
    assert placed([None], [date(2027, 9, 1), date(2027, 6, 30)]) == "2027Q2"
    assert placed([], []) is None


def test_capacity_against_demand_per_quarter() -> None:
    demands = [
        Demand("IMP-0001", "2027Q1", 700, 40000),
        Demand("IMP-0002", "2027Q1", 600, None),
        Demand("IMP-0003", "2027Q3", 100, 5000),
        Demand("IMP-0004", None, 100, 5000),
    ]
    found = loads({"2027Q1": (1200, 60000), "2027Q2": (1000, 50000)}, demands)
    assert [
        (q.quarter, q.demand_hours, q.demand_cost, q.over_hours, q.over_budget) for q in found
    ] == [
        ("2027Q1", 1300, 40000, 100, 0),
        ("2027Q2", 0, 0, 0, 0),
        ("2027Q3", 100, 5000, 0, 0),  # no capacity given: nothing is "over"
    ]
    assert found[0].not_estimated == 1 and found[2].hours is None


def test_capacity_in_the_strategy_is_checked() -> None:
    def problems(capacity: list[dict[str, object]]) -> list[tuple[object, ...]]:
        with pytest.raises(ValidationError) as raised:
            StrategySpec.model_validate({"capacity": capacity})
        return [e["loc"] for e in raised.value.errors()]

    assert problems([{"quarter": "2027Q5", "hours": 1, "budget": 1}]) == [
        ("capacity", 0, "quarter")
    ]
    assert problems([{"quarter": "2027Q1", "hours": 1, "budget": -1}]) == [
        ("capacity", 0, "budget")
    ]
    assert problems([{"quarter": "2027Q1", "hours": -5, "budget": 1}]) == [("capacity", 0, "hours")]
    twice = [{"quarter": "2027Q1", "hours": 1, "budget": 1}] * 2
    assert problems(twice) == [("capacity",)]
    held = {"2027Q1": (1.0, 1.0), "2026Q4": (5.0, 5.0)}
    new = [CapacitySpec(quarter="2027Q1", hours=2, budget=1)]
    assert [(c.quarter, c.outcome, c.changed) for c in capacity_changes(new, held)] == [
        ("2027Q1", "updated", ("hours",)),
        ("2026Q4", "removed", ()),
    ]
