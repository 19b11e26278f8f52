"""The practice report: the practice's KPIs for a period against the one before (the summary
and the ten KPIs, overall, per process and per service), how the practice flowed (gate waits,
stages, stalls, the quarterly trend, sources, with charts), what closed, what waits, what is off
track; and ``kpi_text``, a KPI as people read it, for every face that shows one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.priority import priority
from ci_workflow.domain.measures.evaluation import Evaluation
from ci_workflow.domain.measures.kpi_rollup import KPIS
from ci_workflow.domain.measures.kpis import PracticeKpis
from ci_workflow.domain.measures.practice_stats import PracticeFlow
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import UsageError
from ci_workflow.formatting import days, percent, signed
from ci_workflow.reports.charts import gate_wait_chart, trend_chart
from ci_workflow.reports.rendering import render
from ci_workflow.schemas import PendingGate, ProgressPublic
from ci_workflow.store.tables import Improvement

NOT_SUBMITTED = (Status.identified, Status.defined, Status.planned)


def practice_context(
    *,
    start: datetime,
    end: datetime,
    kpis: PracticeKpis,
    before: PracticeKpis,
    closed: list[tuple[Improvement, list[Evaluation]]],
    open_ones: list[Improvement],
    tracks: dict[int, list[ProgressPublic]],
    overdue: list[PendingGate],
    generated_at: datetime,
    ten: dict[str, Any],
    ten_before: dict[str, Any],
    flow: PracticeFlow,
    findings: list[tuple[int, str, str]],
    sustained: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``ten``: the ten KPIs as ``services.reporting.practice.rollup_public`` shows them
    (``ten_before`` its overall part for the period before); ``findings``: the
    bottlenecks recorded as opportunities, (number, title, status); ``sustained``: closed
    improvements and whether their gain held (``services.measurement.sustainment.listing``)."""
    top = sorted(
        (i for i in open_ones if i.status in NOT_SUBMITTED),
        key=lambda i: (-priority(i.strategic_impact, i.feasibility), i.id or 0),
    )[:10]
    off_track = [
        (format_id(i.id or 0), i.title, p)
        for i in open_ones
        for p in tracks.get(i.id or 0, [])
        if p.track == "off track"
    ]
    rows = sustained or []
    return {
        "regressed": [r for r in rows if r["held"] == "regressed"],
        "sustaining": [r for r in rows if r["held"] == "measuring"],
        "held": sum(1 for r in rows if r["held"] == "held"),
        "start": start,
        "end": end,
        "kpis": kpis,
        "before": before,
        "closed": closed,
        "top": top,
        "off_track": off_track,
        "overdue": overdue,
        "generated_at": generated_at,
        "stages": [s.value for s in Status],
        "priority": priority,
        "ten": ten,
        "ten_before": ten_before,
        "kpi_names": KPIS,
        "kpi_text": kpi_text,
        "flow": flow,
        "findings": findings,
        "format_id": format_id,
        "trend_chart": trend_chart(flow.trend),
        "gate_chart": gate_wait_chart(flow.gates, flow.overdue_days),
    }


def render_practice(context: dict[str, Any], fmt: str = "html") -> str:
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    return render(f"practice.{fmt}", **context)


def kpi_text(key: str, kpi: dict[str, Any]) -> str:
    """One of the ten KPIs (as ``rollup_public`` shows it) as people read it: shares and returns
    in per cent, money and changes with their unit and sign, days as days; n/a with the reason.
    Changes say beside them whether their objectives moved the better or the worse way."""
    value = kpi["value"]
    if value is None:
        return f"n/a ({kpi['reason']})"
    if key == "successful_improvements":
        return (
            f"{kpi['successful']} of {kpi['count']} ({percent(value * 100)}); "
            f"{kpi['partially']} partially met"
        )
    if key == "time_to_implement":
        return days(value)
    if key == "roi":
        return percent(value * 100)
    if key == "process_efficiency":
        mixed = _sense(kpi) if kpi["better"] and kpi["worse"] else ""
        way = "better" if value >= 0 else "worse"
        return f"{percent(abs(value) * 100)} {way} on average, each in its own direction{mixed}"
    unit = kpi["unit"]
    shown = f"{value:+,.0f}" if key == "cost_of_service" else signed(value)  # money: whole
    if unit == "mixed units":
        return f"{shown} (mixed units)" + _sense(kpi)
    return (f"{shown} {unit}" if unit else shown) + _sense(kpi)


def _sense(kpi: dict[str, Any]) -> str:
    better, worse = kpi["better"], kpi["worse"]
    if not better and not worse:
        return ""
    if not worse:
        return ", better"
    if not better:
        return ", worse"
    return f", {better} better, {worse} worse"
