"""The queries behind the practice's own figures: gate waits, stays in each stage, the latest
activity of each improvement, where improvements came from, and the bottlenecks already recorded.
One query per figure, however many improvements the register holds; the statistics are
``domain.measures.practice_stats``'."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.measures.practice_stats import Activity, Stay, Wait
from ci_workflow.store.tables import (
    AuditEvent,
    GateDecision,
    GateRequest,
    Improvement,
    MetricSnapshot,
    Objective,
    Opportunity,
    Person,
    TeamMember,
)


def decided_waits(session: Session, start: datetime, end: datetime) -> list[Wait]:
    """Every gate decided in (start, end]: the gate, who decided, when it opened and was
    decided. Refused and withdrawn attempts have no decision and are not among them."""
    same_attempt = and_(
        col(GateDecision.improvement_id) == col(GateRequest.improvement_id),
        col(GateDecision.gate) == col(GateRequest.gate),
        col(GateDecision.attempt) == col(GateRequest.attempt),
    )
    query = (
        select(GateRequest.gate, Person.name, GateRequest.opened_at, GateDecision.decided_at)
        .join(GateDecision, same_attempt)
        .join(Person, col(Person.id) == col(GateDecision.decided_by_id))
        .where(col(GateDecision.decided_at) > start, col(GateDecision.decided_at) <= end)
    )
    return [
        Wait(gate, name, as_utc(opened), as_utc(decided))
        for gate, name, opened, decided in session.exec(query)
    ]


def open_gates(session: Session, at: datetime) -> list[tuple[str, datetime, Parties]]:
    """The gates open at ``at`` (opened by then, not closed by then): the gate, since when, and
    the improvement's parties (who may decide it follows from them). Two queries in all."""
    query = (
        sa_select(
            col(GateRequest.gate),
            col(GateRequest.opened_at),
            col(Improvement.id),
            col(Improvement.process),
            col(Improvement.owner_id),
            col(Improvement.process_owner_id),
        )
        .join(Improvement, col(Improvement.id) == col(GateRequest.improvement_id))
        .where(col(GateRequest.opened_at) <= at)
        .where(or_(col(GateRequest.closed_at).is_(None), col(GateRequest.closed_at) > at))
        .order_by(col(GateRequest.opened_at), col(GateRequest.id))
    )
    rows = list(session.execute(query))
    team: dict[int, set[int]] = defaultdict(set)
    members = select(TeamMember.improvement_id, TeamMember.person_id).where(
        col(TeamMember.improvement_id).in_({row[2] for row in rows})
    )
    for improvement_id, person_id in session.exec(members):
        team[improvement_id].add(person_id)
    return [
        (gate, as_utc(opened), Parties(process, owner, process_owner, frozenset(team[iid])))
        for gate, opened, iid, process, owner, process_owner in rows
        if iid is not None
    ]


def stays(session: Session) -> list[Stay]:
    """Every improvement's stays: in ``identified`` from its identification date, then in each
    status its trail moved it to, each until the next move (a window function over the moves)."""
    entries = union_all(
        sa_select(
            col(Improvement.id).label("improvement_id"),
            literal("identified").label("status"),
            col(Improvement.identified_at).label("at"),
            literal(0).label("seq"),
        ),
        sa_select(
            col(AuditEvent.improvement_id),
            col(AuditEvent.to_status),
            col(AuditEvent.at),
            col(AuditEvent.id),
        ).where(
            col(AuditEvent.action) == "status_changed",
            col(AuditEvent.improvement_id).is_not(None),
            col(AuditEvent.to_status).is_not(None),
        ),
    ).subquery()
    # The identification comes first whatever its date; moves follow in time, then trail order.
    first = (entries.c.seq != 0, entries.c.at, entries.c.seq)
    left = func.lead(entries.c.at, type_=entries.c.at.type).over(
        partition_by=entries.c.improvement_id, order_by=first
    )
    query = sa_select(entries.c.improvement_id, entries.c.status, entries.c.at, left)
    return [
        Stay(iid, status, as_utc(entered), as_utc(gone) if gone is not None else None)
        for iid, status, entered, gone in session.execute(query)
    ]


def latest_activity(session: Session, end: datetime) -> list[Activity]:
    """Each improvement identified by ``end``, with its latest checkpoint (a measured value),
    gate decision or move up to ``end``; its identification date when it has none."""
    moves = (
        sa_select(col(AuditEvent.improvement_id).label("iid"), func.max(AuditEvent.at).label("at"))
        .where(col(AuditEvent.action) == "status_changed", col(AuditEvent.at) <= end)
        .group_by(col(AuditEvent.improvement_id))
        .subquery()
    )
    decisions = (
        sa_select(
            col(GateDecision.improvement_id).label("iid"),
            func.max(GateDecision.decided_at).label("at"),
        )
        .where(col(GateDecision.decided_at) <= end)
        .group_by(col(GateDecision.improvement_id))
        .subquery()
    )
    checkpoints = (
        sa_select(
            col(Objective.improvement_id).label("iid"),
            func.max(MetricSnapshot.checkpoint_at).label("at"),
        )
        .join(Objective, col(Objective.id) == col(MetricSnapshot.objective_id))
        .where(col(MetricSnapshot.value).is_not(None), col(MetricSnapshot.checkpoint_at) <= end)
        .group_by(col(Objective.improvement_id))
        .subquery()
    )
    query = (
        sa_select(
            col(Improvement.id),
            col(Improvement.title),
            col(Improvement.process),
            col(Improvement.identified_at),
            moves.c.at,
            decisions.c.at,
            checkpoints.c.at,
        )
        .outerjoin(moves, moves.c.iid == col(Improvement.id))
        .outerjoin(decisions, decisions.c.iid == col(Improvement.id))
        .outerjoin(checkpoints, checkpoints.c.iid == col(Improvement.id))
        .where(col(Improvement.identified_at) <= end)
    )
    return [
        Activity(iid, title, process, max(as_utc(t) for t in times if t is not None))
        for iid, title, process, *times in session.execute(query)
    ]


def sources_identified(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many improvements each source brought, identified in (start, end]."""
    query = (
        select(Improvement.source, func.count())
        .where(col(Improvement.identified_at) > start, col(Improvement.identified_at) <= end)
        .group_by(col(Improvement.source))
    )
    return {source: count for source, count in session.exec(query)}


def opportunities_by(session: Session, fingerprints: Iterable[str]) -> list[Opportunity]:
    """The opportunities recorded with these fingerprints, in the order they were recorded."""
    query = select(Opportunity).where(col(Opportunity.fingerprint).in_(set(fingerprints)))
    return list(session.exec(query.order_by(col(Opportunity.id))))
