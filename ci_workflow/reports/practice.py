"""The practice report: the practice's KPIs for a period against the one before, what closed,
what waits, what is off track."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ci_workflow.domain.evaluation import Evaluation
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.kpis import PracticeKpis
from ci_workflow.domain.lifecycle import Status
from ci_workflow.domain.priority import priority
from ci_workflow.errors import UsageError
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
) -> dict[str, Any]:
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
    return {
        "start": start, "end": end, "kpis": kpis, "before": before, "closed": closed,
        "top": top, "off_track": off_track, "overdue": overdue, "generated_at": generated_at,
        "stages": [s.value for s in Status], "priority": priority,
    }  # fmt: skip


def render_practice(context: dict[str, Any], fmt: str = "html") -> str:
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    return render(f"practice.{fmt}", **context)
