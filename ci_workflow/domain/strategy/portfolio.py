"""The portfolio's figures, pure: per strategic objective the improvements serving it counted
by stage; the objectives nobody serves; per programme its improvements' estimated cost against
its budget.

Rejected and withdrawn improvements are set aside: they serve nothing and spend nothing, so
they are neither counted nor costed. An improvement without an estimated cost adds nothing to
its programme's cost and is counted as not estimated, so a programme that looks under budget
says how much of it is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_workflow.domain.stages.lifecycle import Status

SET_ASIDE = frozenset({Status.rejected, Status.withdrawn})


@dataclass(frozen=True)
class Member:
    """An improvement as the portfolio sees it."""

    id: str
    title: str
    status: str
    estimated_cost: float | None
    serves: tuple[str, ...] = ()
    programme: str | None = None


@dataclass(frozen=True)
class Spend:
    budget: float
    cost: float  # the estimated costs of its improvements, summed
    remaining: float  # budget - cost: below zero when over budget
    not_estimated: int  # its improvements without an estimated cost
    over_budget: bool


def in_play(members: Iterable[Member]) -> list[Member]:
    return [m for m in members if m.status not in SET_ASIDE]


def by_stage(members: Iterable[Member]) -> dict[str, int]:
    """How many are at each stage, in the lifecycle's order, stages with none left out."""
    counts = {status.value: 0 for status in Status}
    for member in members:
        counts[member.status] += 1
    return {status: n for status, n in counts.items() if n}


def serving(objective: str, members: Iterable[Member]) -> list[Member]:
    return [m for m in in_play(members) if objective in m.serves]


def unserved(objectives: Sequence[str], members: Iterable[Member]) -> list[str]:
    """The objectives no improvement in play serves, in the strategy's order."""
    served = {key for m in in_play(members) for key in m.serves}
    return [key for key in objectives if key not in served]


def of_programme(programme: str, members: Iterable[Member]) -> list[Member]:
    return [m for m in in_play(members) if m.programme == programme]


def spend(budget: float, members: Iterable[Member]) -> Spend:
    found = list(members)
    cost = sum(m.estimated_cost for m in found if m.estimated_cost is not None)
    missing = sum(1 for m in found if m.estimated_cost is None)
    return Spend(budget, cost, budget - cost, missing, cost > budget)
