"""Capacity per quarter (``capacity:`` in ``strategy.yaml``) against the demand of the
improvements placed in it.

A quarter is written ``2027Q1``. Each quarter names its team hours and its budget, neither
below zero, each quarter once. An improvement's demand is its ``estimated_hours`` and
``estimated_cost``, placed in one quarter by this rule: the quarter of the latest due date of
its plan's actions (when its work is due to end); with no dated action, the quarter of its
earliest objective's due date (when it should show its gain); with neither, no quarter (shown
as not placed). Rejected and withdrawn improvements demand nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
Quarter = Annotated[str, Field(pattern=QUARTER.pattern)]
Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
MAX_QUARTERS = 40


class CapacitySpec(BaseModel):
    """One quarter's capacity: team hours and budget."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    quarter: Quarter
    hours: Amount
    budget: Amount


def _unique(quarters: list[CapacitySpec]) -> list[CapacitySpec]:
    seen: set[str] = set()
    for entry in quarters:
        if entry.quarter in seen:
            raise ValueError(f"quarter {entry.quarter} is given twice")
        seen.add(entry.quarter)
    return quarters


Capacity = Annotated[list[CapacitySpec], Field(max_length=MAX_QUARTERS), AfterValidator(_unique)]


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def placed(action_dues: Iterable[date | None], objective_dues: Iterable[date]) -> str | None:
    """The quarter an improvement's demand falls in (the rule in this module's docstring)."""
    actions = [d for d in action_dues if d is not None]
    if actions:
        return quarter_of(max(actions))
    objectives = list(objective_dues)
    return quarter_of(min(objectives)) if objectives else None


@dataclass(frozen=True)
class Demand:
    """An improvement in play as capacity sees it."""

    id: str
    quarter: str | None
    hours: float | None
    cost: float | None


@dataclass(frozen=True)
class Load:
    """A quarter's capacity against the demand placed in it."""

    quarter: str
    hours: float | None  # capacity; None: the strategy gives none for this quarter
    budget: float | None
    demand_hours: float
    demand_cost: float
    improvements: tuple[str, ...]
    not_estimated: int  # placed here, but without hours or cost

    @property
    def over_hours(self) -> float:
        """How far demand exceeds capacity (0 when within, or no capacity given)."""
        return max(0.0, self.demand_hours - self.hours) if self.hours is not None else 0.0

    @property
    def over_budget(self) -> float:
        return max(0.0, self.demand_cost - self.budget) if self.budget is not None else 0.0


def loads(capacity: Mapping[str, tuple[float, float]], demands: Sequence[Demand]) -> list[Load]:
    """Per quarter (every quarter with capacity or demand, in order): capacity against demand.
    ``capacity``: (hours, budget) by quarter."""
    quarters = sorted(set(capacity) | {d.quarter for d in demands if d.quarter})
    found = []
    for quarter in quarters:
        here = [d for d in demands if d.quarter == quarter]
        hours, budget = capacity.get(quarter, (None, None))
        found.append(
            Load(
                quarter=quarter,
                hours=hours,
                budget=budget,
                demand_hours=sum(d.hours for d in here if d.hours is not None),
                demand_cost=sum(d.cost for d in here if d.cost is not None),
                improvements=tuple(d.id for d in here),
                not_estimated=sum(1 for d in here if d.hours is None or d.cost is None),
            )
        )
    return found


@dataclass(frozen=True)
class CapacityChange:
    quarter: str
    outcome: str  # "created", "updated", "unchanged" or "removed"
    changed: tuple[str, ...] = ()


def capacity_changes(
    new: Sequence[CapacitySpec], held: Mapping[str, tuple[float, float]]
) -> list[CapacityChange]:
    """Each quarter of the file against the one held, then the held quarters it drops."""
    found = []
    for entry in new:
        before = held.get(entry.quarter)
        if before is None:
            found.append(CapacityChange(entry.quarter, "created"))
            continue
        changed = tuple(
            name
            for name, old, now in (
                ("hours", before[0], entry.hours),
                ("budget", before[1], entry.budget),
            )
            if old != now
        )
        found.append(CapacityChange(entry.quarter, "updated" if changed else "unchanged", changed))
    named = {entry.quarter for entry in new}
    found.extend(CapacityChange(q, "removed") for q in held if q not in named)
    return found
