"""The practice's ten KPIs over the improvements closed in a period, overall and per process and
per service. Pure: the formulas are ``kpis``'.

Each closed improvement brings its own value to a KPI; the KPI is the mean of those values, with
how many improvements brought one, or n/a with the reason when none did. ``before`` is an
objective's baseline, ``after`` its final value; an improvement with several objectives of one
kind brings their mean.

| KPI | an improvement's value |
| --- | --- |
| customer satisfaction change | after − before |
| cost of service reduction | before − after (total cost) |
| incident and problem volume decrease | before − after (count), incidents and problems apart |
| service performance change | after − before; each objective better or worse by its direction |
| successful improvements | closed with every objective met; partially met apart (not every one met, at least one met or partially met) |
| time to implement | identified → closed, days |
| ROI | (realised gain − actual cost) ÷ actual cost |
| employee engagement change | after − before (score) |
| process efficiency | relative change the better way: (output ÷ input) after ÷ before − 1, the input an objective names; without one, the metric's (after − before) ÷ before, sign turned when lower is better |
| service availability change | after − before (uptime %) |
"""  # noqa: E501  (a table reads better unbroken)

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ci_workflow.domain.measures.kpis import Figure, decrease, efficiency_increase, efficiency_ratio
from ci_workflow.domain.measures.kpis import increase as change
from ci_workflow.domain.measures.kpis import roi as roi_of

# (key, name, formula) in the order people read them.
KPIS: tuple[tuple[str, str, str], ...] = (
    ("customer_satisfaction", "customer satisfaction change", "after − before"),
    ("cost_of_service", "cost of service reduction", "before − after"),
    ("incident_volume", "incident volume decrease", "before − after"),
    ("problem_volume", "problem volume decrease", "before − after"),
    ("service_performance", "service performance change", "after − before"),
    ("successful_improvements", "successful improvements", "every objective met"),
    ("time_to_implement", "time to implement", "identified → closed, mean days"),
    ("roi", "ROI", "(realised gain − actual cost) ÷ actual cost, mean"),
    ("employee_engagement", "employee engagement change", "after − before"),
    (
        "process_efficiency",
        "process efficiency",
        "relative change, each in its better direction, mean",
    ),
    ("service_availability", "service availability change", "after − before"),
)
Formula = Callable[[float | None, float | None], Figure]
BY_OBJECTIVE: dict[str, Formula] = {
    "customer_satisfaction": change,
    "cost_of_service": decrease,
    "incident_volume": decrease,
    "problem_volume": decrease,
    "service_performance": change,
    "employee_engagement": change,
    "service_availability": change,
}
NONE_CLOSED = "no improvement closed in the period"


@dataclass(frozen=True)
class ObjectiveResult:
    metric: str
    kind: str
    unit: str
    direction: str
    before: float | None
    after: float | None
    verdict: str
    input_metric: str | None = None


@dataclass(frozen=True)
class ClosedImprovement:
    process: str
    service: str | None
    identified_at: datetime
    completed_at: datetime
    realised_gain: float | None
    actual_cost: float | None
    objectives: tuple[ObjectiveResult, ...] = ()

    @property
    def outcome(self) -> Literal["successful", "partially met", "not met"]:
        verdicts = [o.verdict for o in self.objectives]
        if verdicts and all(v == "met" for v in verdicts):
            return "successful"
        return "partially met" if {"met", "partially met"} & set(verdicts) else "not met"


@dataclass(frozen=True)
class Kpi:
    """One KPI over a group: the mean of the improvements' values and how many had one."""

    value: float | None
    count: int
    reason: str = ""
    unit: str = ""  # the objectives' unit when they share one
    better: int = 0  # objectives that moved in their direction
    worse: int = 0  # objectives that moved against it
    successful: int = 0  # successful improvements: how many, of ``count`` closed
    partially: int = 0  # successful improvements: how many partially met


@dataclass
class _Values:
    values: list[float] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    better: int = 0
    worse: int = 0


def rollup(closed: Sequence[ClosedImprovement]) -> dict[str, Kpi]:
    """Every KPI over these improvements, keyed as ``KPIS``."""
    if not closed:
        return {key: Kpi(None, 0, NONE_CLOSED) for key, _, _ in KPIS}
    found = {kind: _Values() for kind in (*BY_OBJECTIVE, "process_efficiency")}
    for improvement in closed:
        for kind, (value, units, better, worse) in _objective_values(improvement).items():
            found[kind].values.append(value)
            found[kind].units |= units
            found[kind].better += better
            found[kind].worse += worse
    kpis = {kind: _mean(kind, v) for kind, v in found.items()}
    outcomes = [c.outcome for c in closed]
    won = outcomes.count("successful")
    kpis["successful_improvements"] = Kpi(
        won / len(closed), len(closed), successful=won, partially=outcomes.count("partially met")
    )
    days = [(c.completed_at - c.identified_at).total_seconds() / 86_400 for c in closed]
    kpis["time_to_implement"] = Kpi(statistics.fmean(days), len(days), unit="days")
    rois = [r.value for r in (roi_of(c.realised_gain, c.actual_cost) for c in closed)]
    known = [r for r in rois if r is not None]
    kpis["roi"] = (
        Kpi(statistics.fmean(known), len(known))
        if known
        else Kpi(None, 0, "no closed improvement has a realised gain and a non-zero actual cost")
    )
    return {key: kpis[key] for key, _, _ in KPIS}


def _mean(kind: str, found: _Values) -> Kpi:
    """The mean of the improvements' values, and the unit they share."""
    if not found.values:
        return Kpi(None, 0, "none has such an objective measured before and after")
    unit = next(iter(found.units)) if len(found.units) == 1 else "mixed units"
    if kind == "process_efficiency":
        unit = ""  # a relative change has none
    return Kpi(
        statistics.fmean(found.values), len(found.values), "", unit, found.better, found.worse
    )


def _objective_values(
    improvement: ClosedImprovement,
) -> dict[str, tuple[float, set[str], int, int]]:
    """Per KPI kind, this improvement's value (the mean over its objectives of that kind), their
    units and how many moved the better and the worse way."""
    figures: dict[str, list[tuple[float, str, int]]] = defaultdict(list)
    by_metric = {o.metric: o for o in improvement.objectives}
    for o in improvement.objectives:
        if o.kind == "process_efficiency":
            figure = _efficiency(o, by_metric.get(o.input_metric or ""))
            sense = 0 if figure.value is None else (figure.value > 0) - (figure.value < 0)
        elif o.kind in BY_OBJECTIVE:
            figure = BY_OBJECTIVE[o.kind](o.before, o.after)
            sense = _sense(o)
        else:
            continue
        if figure.value is not None:
            figures[o.kind].append((figure.value, o.unit, sense))
    return {
        kind: (
            statistics.fmean(v for v, _, _ in those),
            {u for _, u, _ in those},
            sum(1 for _, _, s in those if s > 0),
            sum(1 for _, _, s in those if s < 0),
        )
        for kind, those in figures.items()
    }


def _efficiency(output: ObjectiveResult, input_: ObjectiveResult | None) -> Figure:
    if output.input_metric is None:
        return efficiency_increase(output.before, output.after, output.direction)
    if input_ is None:
        return Figure(None, f"no objective {output.input_metric!r}")
    return efficiency_ratio(output.before, input_.before, output.after, input_.after)


def _sense(o: ObjectiveResult) -> int:
    """1 when the objective moved the way it wanted, -1 the other way, 0 not at all."""
    if o.before is None or o.after is None or o.before == o.after:
        return 0
    up = o.after > o.before
    return 1 if up == (o.direction == "increase") else -1


def grouped(
    closed: Sequence[ClosedImprovement], by: Literal["process", "service"]
) -> list[tuple[str | None, int, dict[str, Kpi]]]:
    """(group, improvements closed, KPIs) per process or per service, by name; improvements
    without a service form the group None."""
    groups: dict[str | None, list[ClosedImprovement]] = defaultdict(list)
    for c in closed:
        groups[c.process if by == "process" else c.service].append(c)
    return [
        (name, len(groups[name]), rollup(groups[name]))
        for name in sorted(groups, key=lambda g: (g is None, g or ""))
    ]
