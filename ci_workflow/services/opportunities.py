"""Opportunities: detected in the imported incidents and recorded once; shown, best first.
Accepting or dismissing one is ``services.triage``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.sources import IncidentsSource
from ci_workflow.domain.window import Window
from ci_workflow.errors import MetricError, UsageError
from ci_workflow.metrics.incident_source import read as measure_incidents
from ci_workflow.opportunities.detect import GROUPINGS, Finding, IncidentRow, detect
from ci_workflow.opportunities.findings import on_template_scale
from ci_workflow.schemas import OpportunityPublic, from_row
from ci_workflow.store.db import transaction
from ci_workflow.store.incidents import opened_between, opened_span
from ci_workflow.store.opportunities import fingerprints, get_opportunity, open_in_period
from ci_workflow.store.opportunities import open_opportunities as open_opportunities_of
from ci_workflow.store.tables import Opportunity

INCIDENT_COLUMNS = list(IncidentRow.__dataclass_fields__)
DEFAULT_PERIOD = timedelta(days=90)


@dataclass(frozen=True)
class Detected:
    """The period's open findings, best first; what was not judged and why; the period looked
    at and the span of the imported data."""

    opportunities: list[OpportunityPublic]
    skipped: list[str]
    period: tuple[datetime, datetime] | None
    data: tuple[datetime, datetime] | None


def _public(o: Opportunity) -> OpportunityPublic:
    return from_row(
        OpportunityPublic, o, number=o.id or 0, confidence=round(o.confidence, 4),
        improvement=format_id(o.improvement_id) if o.improvement_id else None,
    )  # fmt: skip


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
    found = detect(rows, start=start, end=end, group_by=group_by)
    with transaction() as session:
        known = fingerprints(session)
        for f in found.findings:
            fingerprint = f"{f.kind}|{f.group_by}|{f.group}|{start:%Y-%m-%d}|{end:%Y-%m-%d}"
            if fingerprint in known:
                continue
            session.add(
                Opportunity(
                    fingerprint=fingerprint, kind=f.kind, group_by=f.group_by, group=f.group,
                    title=f.title, period_start=start, period_end=end,
                    evidence=f.evidence | {"ranking": f.ranking},
                    objective=_measured(f, end), source=f.source, value_hours=f.value_hours,
                    confidence=f.confidence, score=f.score,
                )
            )  # fmt: skip
        session.flush()
        shown = [_public(o) for o in open_in_period(session, start, end)]
    return Detected(shown, found.skipped, (start, end), data)


def _measured(f: Finding, end: datetime) -> dict[str, Any]:
    """The suggested objective, its baseline measured by the template that will measure it."""
    objective = f.objective
    source = IncidentsSource(
        kind="incidents", metric=objective["metric"], filter=objective["filter"]
    )
    try:
        value = measure_incidents(source, Window.ending(end, objective["window"]))
    except MetricError:
        return objective  # nothing in the window yet: the define stage will measure it
    return on_template_scale(objective, value)


def show(number: int) -> OpportunityPublic:
    with transaction(write=False) as session:
        return _public(get_opportunity(session, number))


def open_opportunities() -> list[OpportunityPublic]:
    """Every finding waiting to be accepted or dismissed, best first."""
    with transaction(write=False) as session:
        return [_public(o) for o in open_opportunities_of(session)]
