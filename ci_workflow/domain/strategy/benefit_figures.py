"""Benefits over time, pure: a measured line's actual, money converted into the organisation's
currency, an improvement's benefit split between the objectives it serves, and forecast
against actual per line and quarter.

Measured actuals (``measured_from: {objective: M, rate: R}``): for a quarter, the objective's
value is its last successful measurement taken in that quarter (checkpoints, final captures,
values recorded by hand and after-closing checks alike; the baseline capture is not one). Its
improvement against the baseline is ``baseline − value`` when the metric should decrease and
``value − baseline`` when it should increase; the quarter's actual is that improvement times
``R``, and 0 when the metric is no better than its baseline (a benefit is never negative).
A quarter without a measurement has no measured actual.

Conversion: an amount in currency C is ``amount × rates[C]`` in the organisation's currency
(the rate in force in strategy.yaml when the figures are read); the organisation's own currency
converts at 1.

Splitting: an improvement that serves several strategic objectives gives each an equal share
of each of its benefit figures (forecast, validated actual): serving n objectives, each gets
1/n. An improvement serving none is counted under no objective (its programme still counts it
whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ci_workflow.domain.strategy.benefits import quarter_bounds

RECORDED, VALIDATED, REJECTED = "recorded", "validated", "rejected"


def measured_amount(baseline: float, value: float, direction: str, rate: float) -> float:
    """The quarter's measured actual: the improvement against the baseline × rate, ≥ 0."""
    gain = baseline - value if direction == "decrease" else value - baseline
    return max(0.0, gain) * rate


def value_in(quarter: str, points: Iterable[tuple[datetime, float]]) -> float | None:
    """The last value measured in ``quarter`` ((at, value) pairs, any order), or None."""
    start, end = quarter_bounds(quarter)
    inside = [(at, value) for at, value in points if start <= at < end]
    return max(inside, key=lambda p: p[0])[1] if inside else None


def measured_quarters(points: Iterable[tuple[datetime, float]]) -> list[str]:
    """The quarters that hold a measurement, oldest first."""
    return sorted({f"{at.year}Q{(at.month - 1) // 3 + 1}" for at, _ in points})


def convert(amount: float, currency: str, organisation: str, rates: Mapping[str, float]) -> float:
    """``amount`` in ``currency`` as the organisation's currency (``KeyError`` without a rate)."""
    return amount if currency == organisation else amount * rates[currency]


def split(amount: float, objectives: Sequence[str]) -> dict[str, float]:
    """``amount`` shared evenly between ``objectives``; nothing when there are none."""
    return {key: amount / len(objectives) for key in objectives} if objectives else {}


@dataclass(frozen=True)
class Cell:
    """One line in one quarter: its forecast and its actual (in the line's currency)."""

    line: str
    quarter: str
    forecast: float | None
    actual: float | None = None
    state: str | None = None  # recorded, validated or rejected; None without an actual
    source: str | None = None  # recorded or measured


@dataclass
class Totals:
    """Forecast, validated actual and actual waiting for validation, in the organisation's
    currency."""

    forecast: float = 0.0
    validated: float = 0.0
    waiting: float = 0.0
    by_quarter: dict[str, list[float]] = field(default_factory=dict)  # quarter → [fc, validated]

    def add(self, cell: Cell, factor: float) -> None:
        row = self.by_quarter.setdefault(cell.quarter, [0.0, 0.0])
        if cell.forecast is not None:
            self.forecast += cell.forecast * factor
            row[0] += cell.forecast * factor
        if cell.actual is not None and cell.state == VALIDATED:
            self.validated += cell.actual * factor
            row[1] += cell.actual * factor
        elif cell.actual is not None and cell.state == RECORDED:
            self.waiting += cell.actual * factor


def cells(
    line: str, forecast: Mapping[str, float], actuals: Mapping[str, tuple[float, str, str]]
) -> list[Cell]:
    """A line's quarters, oldest first: every quarter forecast or with an actual
    (``actuals``: quarter → (amount, state, source))."""
    found = []
    for q in sorted(set(forecast) | set(actuals)):
        actual = actuals.get(q)
        if actual is None:
            found.append(Cell(line, q, forecast.get(q)))
        else:
            found.append(Cell(line, q, forecast.get(q), actual[0], actual[1], actual[2]))
    return found


def totals(cells_with_factors: Iterable[tuple[Cell, float]]) -> Totals:
    """``factor``: the rate into the organisation's currency times the share counted."""
    found = Totals()
    for cell, factor in cells_with_factors:
        found.add(cell, factor)
    found.by_quarter = dict(sorted(found.by_quarter.items()))
    return found


def validation_problem(recorded_by_id: int | None, validator_id: int | None, state: str) -> str:
    """Why this actual cannot be validated or rejected by this person, or "" when it can."""
    if state != RECORDED:
        return f"it is already {state}"
    if recorded_by_id is not None and recorded_by_id == validator_id:
        return "nobody validates an actual they recorded themselves"
    return ""
