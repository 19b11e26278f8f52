"""The practice as a whole: its KPIs over a period, and the periodic practice report."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.kpis import ImprovementFacts, PracticeKpis, practice_kpis
from ci_workflow.domain.lifecycle import OPEN, Status
from ci_workflow.errors import UsageError
from ci_workflow.reports import practice_context, render_practice
from ci_workflow.schemas import WaitingByApprover
from ci_workflow.services.gates import pending_gates
from ci_workflow.services.reports import save_report
from ci_workflow.services.results import evaluations_of, progress_of
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.db import transaction

__all__ = [
    "kpis", "kpis_public", "period", "practice_report", "waiting_by_approver", "write_practice",
]  # fmt: skip

CAPTURED = (Status.executing, Status.in_review)


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Default: the last 12 months up to now."""
    end = end or utcnow()
    return (start or end - timedelta(days=365)), end


def kpis(start: datetime, end: datetime) -> PracticeKpis:
    with transaction(write=False) as session:
        everything = store.all_improvements(session)
        closed = [
            i for i in everything
            if i.status == Status.closed and i.completed_at and start < i.completed_at <= end
        ]  # fmt: skip
        results = evaluations_of(session, closed)
        dues = store.latest_due_dates(session)
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


def gather_practice(start: datetime, end: datetime) -> dict[str, Any]:
    now = kpis(start, end)
    before = kpis(start - (end - start), start)
    overdue_after = timedelta(days=get_settings().gate_overdue_days)
    with transaction(write=False) as session:
        closed = store.closed_between(session, start, end)
        results = evaluations_of(session, closed)
        open_ones = store.with_status(session, OPEN)
        executing = [i.id or 0 for i in open_ones if i.status in CAPTURED]
        tracks = progress_of(session, executing)
    waiting = [g for g in pending_gates() if utcnow() - as_utc(g.waiting_since) > overdue_after]
    return practice_context(
        start=start, end=end, kpis=now, before=before,
        closed=[(i, results[i.id or 0]) for i in closed], open_ones=open_ones, tracks=tracks,
        overdue=waiting, generated_at=utcnow(),
    )  # fmt: skip


def practice_report(start: datetime, end: datetime, fmt: str = "html") -> str:
    return render_practice(gather_practice(start, end), fmt)


def write_practice(
    start: datetime,
    end: datetime,
    fmt: str = "html",
    out: Path | None = None,
    *,
    force: bool = False,
) -> Path:
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    if start >= end:
        raise UsageError("--from must be before --to")
    content = practice_report(start, end, fmt)
    name = f"practice-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    path = out or get_settings().home_dir / "reports" / name
    return save_report(content, path, improvement_id=None, kind="practice", fmt=fmt, force=force)


def waiting_by_approver() -> list[WaitingByApprover]:
    """For each person who may decide a waiting gate: how many wait, the oldest, the median."""
    ages: dict[str, list[float]] = defaultdict(list)
    for gate in pending_gates():
        for person in gate.deciders or ["nobody"]:
            ages[person].append(gate.waiting_days)
    return sorted(
        (
            WaitingByApprover(
                approver=name,
                waiting=len(days),
                oldest_days=max(days),
                median_days=statistics.median(days),
            )
            for name, days in ages.items()
        ),
        key=lambda w: (-w.oldest_days, w.approver),
    )
