"""The practice's KPIs, each a pure function with its formula. No I/O.

Per improvement (``before`` = the baseline, ``after`` = the final capture):

| KPI | formula |
| --- | --- |
| customer satisfaction improvement | after − before (survey score) |
| cost of service delivery reduction | before − after (total cost) |
| incident / problem volume decrease | before − after (count) |
| service performance improvement | after − before if higher is better, else before − after |
| service availability improvement | after − before (uptime %) |
| employee engagement improvement | after − before (score) |
| process efficiency increase | (after − before) ÷ before, its sign turned when lower is better |
| improvement ROI | (realised gain − actual cost) ÷ actual cost |

These are an objective's KPI in its review. Over the improvements closed in a period the
practice's ten KPIs are rolled up by ``kpi_rollup`` (service performance there as after − before,
with better or worse beside it; process efficiency as output ÷ input when an objective names its
input).

Practice level, over the improvements closed in a period: successful improvements (closed with
every objective met), success rate (successful ÷ closed), average time to implement (identified
→ closed, days), total ROI (Σ gain − Σ cost) ÷ Σ cost, average ROI (mean of the improvements'
ROIs), on-time rate (closed by their latest due date ÷ closed), and counts by stage.

The realised gain of an improvement with benefit lines is the sum of its validated actuals in
the organisation's currency (``domain.strategy.benefit_figures``); of one without, the figure
typed at sign-off.

A zero or missing denominator gives ``n/a`` with the reason, never a crash or an infinity.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ci_workflow.domain.numbers import number


@dataclass(frozen=True)
class Figure:
    """A KPI's value, or None with the reason it cannot be computed."""

    value: float | None
    reason: str = ""

    def __str__(self) -> str:
        return (
            "n/a" + (f" ({self.reason})" if self.reason else "")
            if self.value is None
            else number(self.value)
        )


def _missing(before: float | None, after: float | None) -> Figure:
    absent = [name for name, v in (("before", before), ("after", after)) if v is None]
    return Figure(None, f"no {' or '.join(absent)} value")


def increase(before: float | None, after: float | None) -> Figure:
    """after − before: customer satisfaction, availability, engagement."""
    if before is None or after is None:
        return _missing(before, after)
    return Figure(after - before)


def decrease(before: float | None, after: float | None) -> Figure:
    """before − after: cost of service delivery, incident and problem volumes."""
    if before is None or after is None:
        return _missing(before, after)
    return Figure(before - after)


def performance(before: float | None, after: float | None, direction: str) -> Figure:
    """The change in the direction that counts as better (uptime up, response time down)."""
    return increase(before, after) if direction == "increase" else decrease(before, after)


def efficiency_ratio(
    output_before: float | None,
    input_before: float | None,
    output_after: float | None,
    input_after: float | None,
) -> Figure:
    """(output ÷ input after) ÷ (output ÷ input before) − 1: efficiency with its input measured
    by another objective, more output per unit of input being better; 0.25 means 25 % more."""
    if output_before is None or output_after is None:
        return _missing(output_before, output_after)
    if input_before is None or input_after is None:
        return Figure(
            None, "the input has no " + ("before" if input_before is None else "after") + " value"
        )
    if input_before == 0 or input_after == 0:
        return Figure(None, "an input value is 0")
    return efficiency_increase(output_before / input_before, output_after / input_after)


def efficiency_increase(
    before: float | None, after: float | None, direction: str = "increase"
) -> Figure:
    """The share by which the metric moved the way it should, relative to where it was.

    Higher is better (output per hour): (after − before) ÷ before, 4 → 5 is 0.25.
    Lower is better (hours per ticket, rework share): (before − after) ÷ before, 0.33 → 0.077
    is 0.767, a 76.7 % reduction. Negative: it moved the wrong way.
    """
    if before is None or after is None:
        return _missing(before, after)
    if before == 0:
        return Figure(None, "the before value is 0")
    change = (after - before) / before
    return Figure(change if direction == "increase" else -change)


def roi(realised_gain: float | None, actual_cost: float | None) -> Figure:
    """(realised gain − actual cost) ÷ actual cost."""
    if realised_gain is None:
        return Figure(None, "no realised gain recorded")
    if actual_cost is None:
        return Figure(None, "no actual cost recorded")
    if actual_cost == 0:
        return Figure(None, "the actual cost is 0")
    return Figure((realised_gain - actual_cost) / actual_cost)


OBJECTIVE_KPIS: dict[str, tuple[str, Callable[[float | None, float | None, str], Figure]]] = {
    "customer_satisfaction": ("customer satisfaction improvement", lambda b, a, d: increase(b, a)),
    "cost_of_service": ("cost of service delivery reduction", lambda b, a, d: decrease(b, a)),
    "incident_volume": ("incident volume decrease", lambda b, a, d: decrease(b, a)),
    "problem_volume": ("problem volume decrease", lambda b, a, d: decrease(b, a)),
    "service_performance": ("service performance improvement", performance),
    "service_availability": ("service availability improvement", lambda b, a, d: increase(b, a)),
    "employee_engagement": ("employee engagement improvement", lambda b, a, d: increase(b, a)),
    "process_efficiency": ("process efficiency increase", efficiency_increase),
    "other": ("improvement", performance),
}


def objective_kpi(
    kind: str, before: float | None, after: float | None, direction: str
) -> tuple[str, Figure]:
    """The KPI an objective contributes to, by its KPI kind: (name, figure)."""
    name, formula = OBJECTIVE_KPIS.get(kind, OBJECTIVE_KPIS["other"])
    return name, formula(before, after, direction)


@dataclass(frozen=True)
class ImprovementFacts:
    """What the practice KPIs need to know of one improvement."""

    status: str
    identified_at: datetime
    completed_at: datetime | None
    realised_gain: float | None
    actual_cost: float | None
    objectives_met: tuple[bool, ...]  # one per objective: met at review
    latest_due: date | None

    @property
    def successful(self) -> bool:
        return self.status == "closed" and bool(self.objectives_met) and all(self.objectives_met)


@dataclass(frozen=True)
class PracticeKpis:
    closed: int
    successful: int
    success_rate: Figure
    average_days_to_implement: Figure
    total_roi: Figure
    average_roi: Figure
    on_time_rate: Figure
    by_stage: dict[str, int]
    # Of the closed improvements, how many had their gain from validated benefit actuals
    # (those with benefit lines: ``domain.strategy.benefit_figures``), not the sign-off's figure.
    gains_from_benefits: int = 0


def practice_kpis(
    improvements: Iterable[ImprovementFacts], start: datetime, end: datetime
) -> PracticeKpis:
    """KPIs of the improvements closed in (start, end]; stages counted over all of them."""
    everything = list(improvements)
    closed = [
        i
        for i in everything
        if i.status == "closed" and i.completed_at is not None and start < i.completed_at <= end
    ]
    successful = sum(1 for i in closed if i.successful)
    days = [
        (i.completed_at - i.identified_at).total_seconds() / 86400 for i in closed if i.completed_at
    ]
    rois = [
        r.value
        for r in (roi(i.realised_gain, i.actual_cost) for i in closed)
        if r.value is not None
    ]
    gains = [
        i.realised_gain for i in closed if i.realised_gain is not None and i.actual_cost is not None
    ]
    costs = [
        i.actual_cost for i in closed if i.realised_gain is not None and i.actual_cost is not None
    ]
    dated = [i for i in closed if i.latest_due is not None and i.completed_at is not None]
    on_time = sum(
        1
        for i in dated
        if i.completed_at and i.latest_due and i.completed_at.date() <= i.latest_due
    )
    none_closed = "no improvement closed in the period"
    return PracticeKpis(
        closed=len(closed),
        successful=successful,
        success_rate=Figure(successful / len(closed)) if closed else Figure(None, none_closed),
        average_days_to_implement=Figure(statistics.fmean(days))
        if days
        else Figure(None, none_closed),
        total_roi=roi(sum(gains), sum(costs))
        if costs
        else Figure(None, "no closed improvement has both gain and cost"),
        average_roi=Figure(statistics.fmean(rois))
        if rois
        else Figure(None, "no closed improvement has an ROI"),
        on_time_rate=Figure(on_time / len(dated))
        if dated
        else Figure(None, "no closed improvement with due dates"),
        by_stage=dict(Counter(i.status for i in everything)),
    )
