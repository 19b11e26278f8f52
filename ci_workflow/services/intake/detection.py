"""Opportunities: detected in the imported incidents and recorded once; shown, best first.
Accepting or dismissing one is ``services.intake.triage``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.sources import IncidentsSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.errors import MetricError, UsageError
from ci_workflow.metrics.incident_source import read as measure_incidents
from ci_workflow.metrics.incident_source import read_each as measure_each
from ci_workflow.opportunities.detect import (
    GROUPINGS,
    ChangeRow,
    Finding,
    IncidentRow,
    ProblemRow,
    SlaRow,
    detect,
)
from ci_workflow.opportunities.findings import on_template_scale
from ci_workflow.schemas import OpportunityPublic, from_row
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.change_records import closed_between
from ci_workflow.store.intake.incidents import opened_between, opened_span
from ci_workflow.store.intake.opportunities import fingerprints, get_opportunity, open_in_period
from ci_workflow.store.intake.opportunities import open_opportunities as open_opportunities_of
from ci_workflow.store.intake.records import problems_opened_by, slas_started_between
from ci_workflow.store.tables import Opportunity

INCIDENT_COLUMNS = [f.name for f in fields(IncidentRow) if f.init]
DEFAULT_PERIOD = timedelta(days=90)


@dataclass(frozen=True)
class Detected:
    """The period's open findings, best first; what was not judged and why; the period looked
    at and the span of the imported data."""

    opportunities: list[OpportunityPublic]
    skipped: list[str]
    period: tuple[datetime, datetime] | None
    data: tuple[datetime, datetime] | None
    # When the data is complete in the period, in words (the days judged).
    completeness: str = ""


def _public(o: Opportunity) -> OpportunityPublic:
    return from_row(
        OpportunityPublic,
        o,
        number=o.id or 0,
        confidence=round(o.confidence, 4),
        improvement=format_id(o.improvement_id) if o.improvement_id else None,
    )


def detect_opportunities(
    start: datetime | None = None,
    end: datetime | None = None,
    group_by: tuple[str, ...] = GROUPINGS,
    period: timedelta = DEFAULT_PERIOD,
) -> Detected:
    """Run every detector over the period and record new findings. The period ends at ``end``,
    by default when the latest imported incident was opened (an export is history, not today),
    and starts ``period`` (90 days) before unless ``start`` is given."""
    with transaction(write=False) as session:
        first, last = opened_span(session)
    data = (first, last) if first and last else None
    end = end or (last if last else None)
    if end is None:
        return Detected([], ["no incidents are imported: run improve import incidents"], None, None)
    start = start or end - period
    if start >= end:
        raise UsageError("--from must be before --to")
    with transaction(write=False) as session:
        found_rows = opened_between(session, start, end, INCIDENT_COLUMNS)
        rows = [IncidentRow(*row) for row in found_rows]  # type: ignore[call-arg]  # field order
        changes = tuple(
            ChangeRow(c.number, c.service, as_utc(c.closed_at))
            for c in closed_between(session, start, end)
            if c.closed_at is not None
        )
        problems, slas = _records(session, start, end)
    found = detect(
        rows, start=start, end=end, group_by=group_by, changes=changes, problems=problems, slas=slas
    )
    objectives = _measured(found.findings, end)
    with transaction() as session:
        known = fingerprints(session)
        for f, objective in zip(found.findings, objectives, strict=True):
            fingerprint = f"{f.kind}|{f.group_by}|{f.group}|{start:%Y-%m-%d}|{end:%Y-%m-%d}"
            if fingerprint in known:
                continue
            session.add(
                Opportunity(
                    fingerprint=fingerprint,
                    kind=f.kind,
                    group_by=f.group_by,
                    group=f.group,
                    title=f.title,
                    period_start=start,
                    period_end=end,
                    evidence=f.evidence | {"ranking": f.ranking},
                    objective=objective,
                    source=f.source,
                    value_hours=f.value_hours,
                    confidence=f.confidence,
                    score=f.score,
                )
            )
        session.flush()
        shown = [_public(o) for o in open_in_period(session, start, end)]
    return Detected(shown, found.skipped, (start, end), data, found.completeness)


def _records(
    session: Session, start: datetime, end: datetime
) -> tuple[tuple[ProblemRow, ...], tuple[SlaRow, ...]]:
    """The imported problems opened by the end, and the SLAs started in the period."""
    problems = tuple(
        ProblemRow(
            p.number,
            opened_at=as_utc(p.opened_at) if p.opened_at else None,
            resolved_at=as_utc(p.resolved_at) if p.resolved_at else None,
            closed_at=as_utc(p.closed_at) if p.closed_at else None,
            service=p.service,
            assignment_group=p.assignment_group,
            known_error=p.known_error,
            has_workaround=p.has_workaround,
            fixed=p.fixed,
        )
        for p in problems_opened_by(session, end)
    )
    slas = tuple(
        SlaRow(s.task, s.definition, s.cancelled, s.has_breached, as_utc(s.start_at))
        for s in slas_started_between(session, start, end)
    )
    return problems, slas


def _measured(findings: list[Finding], end: datetime) -> list[dict[str, Any]]:
    """Each suggested objective, its baseline measured by the template that will measure it
    (one query per metric, grouping and window, not one per finding)."""
    each: dict[tuple[str, str, str], dict[str, float]] = {}
    single: dict[tuple[str, str, str], float | None] = {}
    out = []
    for f in findings:
        objective = f.objective
        metric, window = objective["metric"], Window.ending(end, objective["window"])
        measured: float | None
        if len(objective["filter"]) == 1:
            ((column, value),) = objective["filter"].items()
            key = (metric, column, objective["window"])
            if key not in each:
                each[key] = measure_each(metric, column, window)
            # A count over no incident is 0; a mean over none is not measured yet.
            measured = each[key].get(value, 0.0 if metric.endswith("count") else None)
        else:
            key = (metric, repr(sorted(objective["filter"].items())), objective["window"])
            if key not in single:
                single[key] = _read(metric, objective["filter"], window)
            measured = single[key]
        # Not measured: the define stage measures it when the improvement starts.
        out.append(objective if measured is None else on_template_scale(objective, measured))
    return out


def _read(metric: str, filters: dict[str, str], window: Window) -> float | None:
    try:
        return measure_incidents(
            IncidentsSource(kind="incidents", metric=metric, filter=filters), window
        )
    except MetricError:
        return None


def show(number: int) -> OpportunityPublic:
    with transaction(write=False) as session:
        return _public(get_opportunity(session, number))


def open_opportunities() -> list[OpportunityPublic]:
    """Every finding waiting to be accepted or dismissed, best first."""
    with transaction(write=False) as session:
        return [_public(o) for o in open_opportunities_of(session)]
