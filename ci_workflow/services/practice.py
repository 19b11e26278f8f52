"""The practice as a whole: its KPIs over a period, and the periodic practice report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import OPEN, Status
from ci_workflow.domain.priority import priority
from ci_workflow.errors import UsageError
from ci_workflow.kpis import ImprovementFacts, PracticeKpis, practice_kpis
from ci_workflow.rendering import render
from ci_workflow.services.capture import progress_of
from ci_workflow.services.gates import pending_gates
from ci_workflow.services.reports import evaluations_of, save_report
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Improvement, Objective
from ci_workflow.store.tables.common import utcnow


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Default: the last 12 months up to now."""
    end = end or utcnow()
    return (start or end - timedelta(days=365)), end


def _closed_in(improvement: Improvement, start: datetime, end: datetime) -> bool:
    completed = improvement.completed_at
    return (
        improvement.status == Status.closed and completed is not None and start < completed <= end
    )


def kpis(start: datetime, end: datetime) -> PracticeKpis:
    with transaction(write=False) as session:
        everything = session.exec(select(Improvement)).all()
        closed = [i for i in everything if _closed_in(i, start, end)]
        results = evaluations_of(session, closed)
        dues: dict[int, date] = {}
        for improvement_id, due in session.exec(
            select(col(Objective.improvement_id), col(Objective.due))
        ):
            dues[improvement_id] = max(due, dues.get(improvement_id, due))
    facts = [
        ImprovementFacts(
            status=i.status,
            identified_at=i.identified_at,
            completed_at=i.completed_at,
            realised_gain=i.realised_gain,
            actual_cost=i.actual_cost,
            objectives_met=tuple(r.verdict == "met" for r in results.get(i.id or 0, [])),
            latest_due=dues.get(i.id or 0),
        )
        for i in everything
    ]
    return practice_kpis(facts, start, end)


def kpis_public(found: PracticeKpis, start: datetime, end: datetime) -> dict[str, Any]:
    def figure(f: Any) -> dict[str, Any]:
        return {"value": f.value, "reason": f.reason or None}

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "closed": found.closed,
        "successful": found.successful,
        "success_rate": figure(found.success_rate),
        "average_days_to_implement": figure(found.average_days_to_implement),
        "total_roi": figure(found.total_roi),
        "average_roi": figure(found.average_roi),
        "on_time_rate": figure(found.on_time_rate),
        "by_stage": found.by_stage,
    }


def practice_context(start: datetime, end: datetime) -> dict[str, Any]:
    now = kpis(start, end)
    before = kpis(start - (end - start), start)
    overdue_after = timedelta(days=get_settings().gate_overdue_days)
    with transaction(write=False) as session:
        closed = session.exec(
            select(Improvement)
            .where(
                Improvement.status == Status.closed,
                col(Improvement.completed_at) > start,
                col(Improvement.completed_at) <= end,
            )
            .order_by(col(Improvement.completed_at))
        ).all()
        results = evaluations_of(session, list(closed))
        closed_rows = [(i, results[i.id or 0]) for i in closed]
        open_ones = session.exec(select(Improvement).where(col(Improvement.status).in_(OPEN))).all()
        top = sorted(
            (
                i
                for i in open_ones
                if i.status in (Status.identified, Status.defined, Status.planned)
            ),
            key=lambda i: (-priority(i.strategic_impact, i.feasibility), i.id or 0),
        )[:10]
        executing = [i for i in open_ones if i.status in (Status.executing, Status.in_review)]
        tracks = progress_of(session, [i.id or 0 for i in executing])
    off_track = [
        (format_id(i.id or 0), i.title, p)
        for i in executing
        for p in tracks[i.id or 0]
        if p.track == "off track"
    ]
    waiting = [
        g for g in pending_gates() if utcnow() - g.waiting_since.astimezone(UTC) > overdue_after
    ]
    return {
        "start": start, "end": end, "kpis": now, "before": before, "closed": closed_rows,
        "top": top, "off_track": off_track, "overdue": waiting, "generated_at": utcnow(),
        "stages": [s.value for s in Status], "priority": priority,
    }  # fmt: skip


def render_practice(start: datetime, end: datetime, fmt: str = "html") -> str:
    return render(f"practice.{fmt}", **practice_context(start, end))


def write_practice(
    start: datetime, end: datetime, fmt: str = "html", out: Path | None = None
) -> Path:
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    if start >= end:
        raise UsageError("--from must be before --to")
    content = render_practice(start, end, fmt)
    name = f"practice-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    path = out or get_settings().home_dir / "reports" / name
    return save_report(content, path, improvement_id=None, kind="practice", fmt=fmt)
