"""The review report of one improvement (did we get there?), from what the register holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from ci_workflow.domain.measures.evaluation import Evaluation
from ci_workflow.domain.measures.kpis import Figure, roi
from ci_workflow.domain.measures.surveys import Survey
from ci_workflow.domain.measures.sustainment import HoldAnswer
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import UsageError
from ci_workflow.formatting import directed_change, percent, quantity, signed
from ci_workflow.reports.charts import objective_chart
from ci_workflow.reports.rendering import render
from ci_workflow.schemas import AuditEventPublic, ImprovementDetail

FORMATS = ("html", "md")
FINAL = (Status.consolidating, Status.closed)


# Said beside "too little data": where the split between before and after comes from.
SPLIT_WORDS = (
    "Before and after are split at the day execution started: the improvement's execution "
    "start date (started in its file) when it replays history, else the day it moved to "
    "executing; a start set too late leaves too few measurements after it"
)


def review_context(
    detail: ImprovementDetail,
    evaluations: list[Evaluation],
    events: list[AuditEventPublic],
    generated_at: datetime,
    sustainment: HoldAnswer | None = None,
    surveys: dict[str, tuple[datetime, Survey]] | None = None,
    benefits: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """Everything the templates show: evaluations with their charts, a summary, the trail;
    after closing, whether the gain held; each objective's latest survey (when and what);
    ``benefits``: where it has benefit lines, (its validated actuals summed, the organisation's
    currency), the gain its ROI is computed from (``gain_used``)."""
    met = sum(1 for e in evaluations if e.verdict == "met")
    summary = (
        "no objectives"
        if not evaluations
        else "every objective met"
        if met == len(evaluations)
        else f"{met} of {len(evaluations)} objectives met"
    )
    return {
        "improvement": detail,
        "evaluations": evaluations,
        # pygal escapes the text it draws
        "charts": {e.metric: Markup(objective_chart(e)) for e in evaluations},
        "summary": summary,
        "interim": detail.status not in FINAL,
        **gain_used(detail, benefits),
        "kpi_text": kpi_text,
        "refused": [e for e in events if e.action == "gate_refused"],
        "audit": events[-25:],
        "audit_total": len(events),
        "generated_at": generated_at,
        "sustainment": sustainment,
        "surveys": surveys or {},
        "split_words": SPLIT_WORDS,
    }


def kpi_text(evaluation: Evaluation) -> str:
    """An objective's KPI as people read it: the change with its sign and unit, an efficiency as
    the relative change in its metric's own direction, n/a with the reason."""
    value = evaluation.kpi.value
    if value is None:
        return str(evaluation.kpi)
    if evaluation.kpi_kind == "process_efficiency":
        return directed_change(value, evaluation.direction)
    return quantity(signed(value), evaluation.unit)


def gain_used(detail: ImprovementDetail, benefits: tuple[float, str] | None) -> dict[str, Any]:
    """The gain the ROI is computed from, as the practice KPIs take it: the validated benefit
    actuals where the improvement has benefit lines, else the realised gain typed at sign-off."""
    if benefits is None:
        gain, source, currency = detail.realised_gain, "the realised gain at sign-off", ""
    else:
        (gain, currency), source = benefits, "the validated benefit actuals"
    return {
        "roi": roi_text(roi(gain, detail.actual_cost)),
        "roi_gain": gain,
        "roi_gain_from": source,
        "roi_currency": currency,
        "validated_benefits": benefits,
    }


def roi_text(figure: Figure) -> str:
    """(realised gain − actual cost) ÷ actual cost in per cent: 1.5 is ``150 %``."""
    return str(figure) if figure.value is None else percent(figure.value * 100)


def render_review(context: dict[str, Any], fmt: str = "html") -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    return render(f"review.{fmt}", **context)
