"""How the practice itself flows over a period, read in a caller's session: gate waits by gate
and by approver, time in each stage, stalled improvements, the quarterly trend, the sources; and
its bottlenecks recorded as opportunities (``practice_gate_wait``, ``practice_stall``) that the
CI manager accepts or dismisses like any other."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.measures import bottlenecks
from ci_workflow.domain.measures.kpi_rollup import ClosedImprovement
from ci_workflow.domain.measures.practice_stats import (
    Closed,
    PracticeFlow,
    Waiting,
    quarterly,
    shares,
    stage_times,
    stalled,
    status_at,
    waits_by,
)
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.reporting import practice as store
from ci_workflow.store.tables import Opportunity


def stall_days_setting() -> float:
    """IMPROVE_STALL_DAYS (default 30)."""
    return get_settings().stall_days


def flow_of(
    session: Session,
    start: datetime,
    end: datetime,
    closed: list[ClosedImprovement],
    *,
    stall_days: float | None = None,
) -> PracticeFlow:
    """``closed``: the improvements closed in the period, already evaluated by the caller."""
    settings = get_settings()
    days = stall_days_setting() if stall_days is None else stall_days
    decided = store.decided_waits(session, start, end)
    # Who may decide follows from today's roles: the register keeps no history of them.
    people = load_directory(session).people
    waiting = [
        Waiting(
            gate,
            tuple(
                p.name
                for p in people
                if allowed(
                    Action.decide,
                    p,
                    parties,
                    gate=Gate(gate),
                    separation=settings.separation_of_duties,
                )
            ),
            opened,
        )
        for gate, opened, parties in store.open_gates(session, end)
    ]
    stays = store.stays(session)
    outcomes = [Closed(c.identified_at, c.completed_at, c.outcome == "successful") for c in closed]
    return PracticeFlow(
        as_of=end,
        overdue_days=settings.gate_overdue_days,
        stall_days=days,
        gates=waits_by(decided, waiting, end, "gate"),
        approvers=waits_by(decided, waiting, end, "approver"),
        stages=stage_times(stays, start, end),
        stalls=stalled(store.latest_activity(session, end), status_at(stays, end), end, days),
        trend=quarterly(outcomes, start, end),
        sources=shares(store.sources_identified(session, start, end)),
    )


def record_bottlenecks(
    start: datetime, end: datetime, flow: PracticeFlow
) -> list[tuple[int, str, str]]:
    """Record the flow's bottlenecks once each (``domain.measures.bottlenecks``: per group and
    quarter); returns (number, title, status) of each, new or recorded before."""
    found = [
        *bottlenecks.gate_waits(flow.gates, "gate", flow.overdue_days, end),
        *bottlenecks.gate_waits(flow.approvers, "approver", flow.overdue_days, end),
        *bottlenecks.stalls(flow.stalls, flow.stall_days, end),
    ]
    if not found:
        return []
    fingerprints = [b.fingerprint for b in found]
    with transaction() as session:
        known = {o.fingerprint for o in store.opportunities_by(session, fingerprints)}
        for b in found:
            if b.fingerprint in known:
                continue
            session.add(
                Opportunity(
                    fingerprint=b.fingerprint,
                    kind=b.kind,
                    group_by=b.group_by,
                    group=b.group,
                    title=b.title,
                    period_start=start,
                    period_end=end,
                    evidence=b.evidence,
                    objective=b.objective,
                    source="other",
                    # Measured, not inferred; not on the incident-hours scale of the detectors'
                    # findings, so ranked after them, as staff ideas are.
                    value_hours=0.0,
                    confidence=1.0,
                    score=0.0,
                )
            )
        session.flush()
        rows = store.opportunities_by(session, fingerprints)
        return [(o.id or 0, o.title, o.status) for o in rows]
