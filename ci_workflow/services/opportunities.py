"""Opportunities: detected in the imported incidents and recorded once; shown, best first.
Accepting or dismissing one is ``services.triage``."""

from __future__ import annotations

from datetime import datetime, timedelta

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.errors import UsageError
from ci_workflow.opportunities.detect import GROUPINGS, IncidentRow, detect
from ci_workflow.schemas import OpportunityPublic, from_row
from ci_workflow.store.db import transaction
from ci_workflow.store.incidents import opened_between
from ci_workflow.store.opportunities import fingerprints, get_opportunity, open_in_period
from ci_workflow.store.opportunities import open_opportunities as open_opportunities_of
from ci_workflow.store.tables import Opportunity

INCIDENT_COLUMNS = [name for name in IncidentRow.__dataclass_fields__ if name != "hours"]


def _public(o: Opportunity) -> OpportunityPublic:
    return from_row(
        OpportunityPublic, o, number=o.id or 0, confidence=round(o.confidence, 4),
        improvement=format_id(o.improvement_id) if o.improvement_id else None,
    )  # fmt: skip


def detect_opportunities(
    start: datetime | None = None,
    end: datetime | None = None,
    group_by: tuple[str, ...] = GROUPINGS,
) -> tuple[list[OpportunityPublic], list[str]]:
    """Run every detector over the period (default: the last 90 days) and record new findings;
    returns the period's open findings, best first, and what was too small to judge."""
    end = end or utcnow()
    start = start or end - timedelta(days=90)
    if start >= end:
        raise UsageError("--from must be before --to")
    with transaction(write=False) as session:
        found_rows = opened_between(session, start, end, INCIDENT_COLUMNS)
        rows = [IncidentRow(*row) for row in found_rows]  # type: ignore[call-arg]  # in field order
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
                    title=f.title, period_start=start, period_end=end, evidence=f.evidence,
                    objective=f.objective, source=f.source, value_hours=f.value_hours,
                    confidence=f.confidence, score=f.score,
                )
            )  # fmt: skip
        session.flush()
        return [_public(o) for o in open_in_period(session, start, end)], found.skipped


def show(number: int) -> OpportunityPublic:
    with transaction(write=False) as session:
        return _public(get_opportunity(session, number))


def open_opportunities() -> list[OpportunityPublic]:
    """Every finding waiting to be accepted or dismissed, best first."""
    with transaction(write=False) as session:
        return [_public(o) for o in open_opportunities_of(session)]
