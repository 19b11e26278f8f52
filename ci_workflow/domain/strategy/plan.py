"""Choosing under constraints: the set of candidate improvements that maximises value within a
budget and team hours, solved exactly as a 0–1 knapsack with two constraints.

The measure is stated with the plan: ``value`` sums the chosen improvements' ``expected_gain``;
``wsjf`` sums their WSJF scores (cost of delay ÷ effort, ``domain.improvement.priority.wsjf``).
A candidate is chosen whole or not at all. One without an estimated cost or estimated hours
cannot be weighed against the constraints, and one without value (no expected gain, no WSJF
score, or zero) adds nothing: both are left out, with that reason, before solving. Every other
one left out did not fit: the reason names what it needed against what the chosen set leaves.

The solver is HiGHS's branch-and-bound through ``scipy.optimize.milp``: an exact mixed-integer
solver, already a dependency of the product (scipy, for the evaluation's statistics), so
choosing adds no package at all; OR-Tools (tens of megabytes) or PuLP with its bundled CBC
binary would bring the same answer with more to install. The answer is optimal, not the
greedy "best ratio first", which can miss the best set (a ratio-first pick of a small cheap
item can crowd out two that together are worth more). Ties between optimal sets are broken
towards the lower ids, so the same register gives the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ci_workflow.domain.numbers import money

# Below this a gap in an amount is rounding, not a real shortfall.
EPSILON = 1e-6
# The value the best candidate is scaled to before solving (see ``_solve``).
SCALE = 1e6


class Measure(StrEnum):
    value = "value"  # expected gain
    wsjf = "wsjf"  # WSJF score


@dataclass(frozen=True)
class Candidate:
    id: str
    title: str
    cost: float | None
    hours: float | None
    value: float | None  # by the measure chosen


@dataclass(frozen=True)
class LeftOut:
    candidate: Candidate
    reason: str


@dataclass(frozen=True)
class Plan:
    measure: Measure
    budget: float
    hours: float
    chosen: tuple[Candidate, ...]
    left_out: tuple[LeftOut, ...]

    @property
    def total_cost(self) -> float:
        return sum(c.cost or 0.0 for c in self.chosen)

    @property
    def total_hours(self) -> float:
        return sum(c.hours or 0.0 for c in self.chosen)

    @property
    def total_value(self) -> float:
        return sum(c.value or 0.0 for c in self.chosen)


def choose(
    candidates: Sequence[Candidate], *, budget: float, hours: float, measure: Measure
) -> Plan:
    """The candidates whose value sums highest with their costs within ``budget`` and their
    hours within ``hours``; the rest with why they were left out."""
    weighable, left_out = [], []
    for candidate in candidates:
        reason = _unweighable(candidate, measure)
        if reason:
            left_out.append(LeftOut(candidate, reason))
        else:
            weighable.append(candidate)
    picked = set(_solve(weighable, budget, hours))
    chosen = tuple(c for n, c in enumerate(weighable) if n in picked)
    cost_left = budget - sum(c.cost or 0.0 for c in chosen)
    hours_left = hours - sum(c.hours or 0.0 for c in chosen)
    for n, candidate in enumerate(weighable):
        if n not in picked:
            left_out.append(LeftOut(candidate, _did_not_fit(candidate, cost_left, hours_left)))
    order = {c.id: n for n, c in enumerate(candidates)}
    left_out.sort(key=lambda item: order[item.candidate.id])
    return Plan(measure, budget, hours, chosen, tuple(left_out))


def _unweighable(candidate: Candidate, measure: Measure) -> str:
    missing = [
        name
        for name, amount in (("cost", candidate.cost), ("hours", candidate.hours))
        if amount is None
    ]
    if missing:
        return f"no estimate ({' and '.join(missing)} not estimated)"
    if candidate.value is None or candidate.value <= 0:
        return (
            "no value (no expected gain)"
            if measure == Measure.value
            else "no value (no WSJF score)"
        )
    return ""


def _did_not_fit(candidate: Candidate, cost_left: float, hours_left: float) -> str:
    short = []
    if (candidate.cost or 0.0) > cost_left + EPSILON:
        short.append(
            f"needs {money(candidate.cost)} of the {money(max(cost_left, 0.0))} budget left"
        )
    if (candidate.hours or 0.0) > hours_left + EPSILON:
        short.append(f"needs {candidate.hours:,.0f} h of the {max(hours_left, 0.0):,.0f} h left")
    if not short:
        return "does not fit beside the chosen set"
    return "does not fit the remaining budget and hours: " + "; ".join(short)


def _solve(items: Sequence[Candidate], budget: float, hours: float) -> list[int]:
    """The indexes of ``items`` in an optimal set (each has a cost, hours and a value > 0)."""
    if not items:
        return []
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    # Values on one scale whatever the measure (a WSJF score of 3, a gain of 300,000), the
    # highest at SCALE, and a tie-break of a billionth of it per place: far below any real
    # difference of value, far above the solver's tolerances (about 1e-6, absolute), which a
    # nudge of a billionth of a score of 3 sank under. Among optimal sets, the lower ids.
    values = np.array([c.value or 0.0 for c in items])
    values = values * (SCALE / values.max())
    nudge = np.array([(len(items) - n) for n in range(len(items))]) * 1e-9 * SCALE
    weights = np.array([[c.cost or 0.0 for c in items], [c.hours or 0.0 for c in items]])
    result = milp(
        c=-(values + nudge),
        constraints=LinearConstraint(weights, ub=np.array([budget, hours]) + EPSILON),
        integrality=np.ones(len(items)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.x is None:  # cannot happen: choosing none is always feasible
        raise RuntimeError(f"the solver found no plan: {result.message}")
    return [n for n, x in enumerate(result.x) if x > 0.5]
