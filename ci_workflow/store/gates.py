"""Reading and writing gate requests (a gate waiting, or having waited) and gate decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.authority.gate_reach import GateReach
from ci_workflow.store.db import in_chunks
from ci_workflow.store.tables import GateDecision, GateRequest, Improvement, TeamMember


def find_request(
    session: Session, improvement_id: int, gate: str, attempt: int
) -> GateRequest | None:
    query = select(GateRequest).where(
        GateRequest.improvement_id == improvement_id,
        GateRequest.gate == gate,
        GateRequest.attempt == attempt,
    )
    return session.exec(query).first()


def find_decision(
    session: Session, improvement_id: int, gate: str, attempt: int
) -> GateDecision | None:
    query = select(GateDecision).where(
        GateDecision.improvement_id == improvement_id,
        GateDecision.gate == gate,
        GateDecision.attempt == attempt,
    )
    return session.exec(query).first()


def open_requests(session: Session, improvement_id: int | None = None) -> list[GateRequest]:
    """Gates waiting for a decision, oldest first."""
    query = select(GateRequest).where(col(GateRequest.closed_at).is_(None))
    if improvement_id is not None:
        query = query.where(GateRequest.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(GateRequest.opened_at), col(GateRequest.id))))


@dataclass(frozen=True)
class WaitingGate:
    """A gate waiting, by the few columns that say whose decision it waits for."""

    request_id: int
    improvement_id: int
    gate: str


def waiting_gates(session: Session, reach: GateReach | None = None) -> list[WaitingGate]:
    """``open_requests`` without the rest of each row: My work asks the decision rule of every
    waiting gate and shows only a few of them (``requests_by_id``). With ``reach``, only the
    gates it reaches (``domain.authority.gate_reach``): those of one person's improvements
    (owned, or on their team) and those at its gates, not a thousand others."""
    query = select(GateRequest.id, GateRequest.improvement_id, GateRequest.gate).where(
        col(GateRequest.closed_at).is_(None)
    )
    if reach is not None and not reach.everywhere:
        ways = [col(GateRequest.gate).in_(sorted(reach.gates))] if reach.gates else []
        if reach.party is not None:
            owned = sa_select(col(Improvement.id)).where(col(Improvement.owner_id) == reach.party)
            on_team = sa_select(col(TeamMember.improvement_id)).where(
                col(TeamMember.person_id) == reach.party
            )
            ways += [col(GateRequest.improvement_id).in_(q) for q in (owned, on_team)]
        if not ways:
            return []
        query = query.where(or_(*ways))
    query = query.order_by(col(GateRequest.opened_at), col(GateRequest.id))
    return [
        WaitingGate(i or 0, improvement_id, gate) for i, improvement_id, gate in session.exec(query)
    ]


def requests_by_id(session: Session, ids: list[int]) -> list[GateRequest]:
    """These gate requests, in the order of ``ids``."""
    found: dict[int, GateRequest] = {}
    for chunk in in_chunks(ids):
        query = select(GateRequest).where(col(GateRequest.id).in_(chunk))
        found.update((r.id or 0, r) for r in session.exec(query))
    return [found[i] for i in ids if i in found]


def overdue_requests(session: Session, *, opened_before: datetime) -> list[GateRequest]:
    query = select(GateRequest).where(
        col(GateRequest.closed_at).is_(None), col(GateRequest.opened_at) < opened_before
    )
    return list(session.exec(query.order_by(col(GateRequest.opened_at))))


def mark_reminded(session: Session, request_ids: list[int], *, at: datetime) -> None:
    """The watchdog reminded of these gates at ``at`` (one UPDATE per few thousand)."""
    for chunk in in_chunks(request_ids):
        session.execute(
            update(GateRequest).where(col(GateRequest.id).in_(chunk)).values(reminded_at=at)
        )


def close_requests(session: Session, improvement_id: int, *, at: datetime, outcome: str) -> None:
    """Close every gate of an improvement still waiting (e.g. it was withdrawn)."""
    for request in open_requests(session, improvement_id):
        request.closed_at, request.outcome = at, outcome
        session.add(request)


def claim_request(
    session: Session, request_id: int, *, by: str, now: datetime, expiry: timedelta
) -> bool:
    """Mark a waiting gate as being answered by ``by``; False if someone else holds a fresh
    claim or the gate closed meanwhile. One UPDATE, so two racing claims cannot both win."""
    unclaimed = or_(
        col(GateRequest.claimed_at).is_(None), col(GateRequest.claimed_at) < now - expiry
    )
    claimed = session.execute(
        update(GateRequest)
        .where(col(GateRequest.id) == request_id)
        .where(col(GateRequest.closed_at).is_(None), unclaimed)
        .values(claimed_by=by, claimed_at=now)
    )
    return cast("CursorResult[Any]", claimed).rowcount == 1


def release_request(session: Session, request_id: int, *, by: str) -> None:
    session.execute(
        update(GateRequest)
        .where(col(GateRequest.id) == request_id)
        .where(col(GateRequest.claimed_by) == by)
        .values(claimed_by=None, claimed_at=None)
    )


def take_over(session: Session, request: GateRequest, *, flow_run_id: str) -> None:
    """A new run of the improvement now waits at this gate: answers go to it, and a claim on
    the answer the previous run never recorded is given back."""
    request.flow_run_id = flow_run_id
    request.claimed_by = request.claimed_at = None
    session.add(request)
