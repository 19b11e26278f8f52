"""Reading and writing gate requests and decisions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ci_workflow.store.tables import GateDecision, GateRequest


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


def overdue_requests(session: Session, *, opened_before: datetime) -> list[GateRequest]:
    query = select(GateRequest).where(
        col(GateRequest.closed_at).is_(None), col(GateRequest.opened_at) < opened_before
    )
    return list(session.exec(query.order_by(col(GateRequest.opened_at))))
