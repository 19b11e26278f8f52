"""Writing and reading the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.store.tables import AuditEvent


def record_event(
    session: Session,
    *,
    improvement_id: int | None,
    actor: str,
    action: str,
    detail: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
    channel: str | None = None,
    principal: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """``channel`` and ``principal``: how an act of a person arrived and who was verified;
    ``at``: when, if the act stamped a time of its own (default now)."""
    event = AuditEvent(
        at=at or utcnow(),
        improvement_id=improvement_id,
        actor=actor,
        action=action,
        detail=detail,
        from_status=from_status,
        to_status=to_status,
        channel=channel,
        principal=principal,
    )
    # Not flushed here: the session's next query or commit writes it, with its neighbours in
    # one statement (the watchdog writes hundreds); flush to read its id.
    session.add(event)
    return event


def record_act(
    session: Session, actor: Actor, *, improvement_id: int | None, action: str, detail: str = ""
) -> AuditEvent:
    """An act of a person: who, by which channel, and whom that channel verified."""
    return record_event(
        session,
        improvement_id=improvement_id,
        actor=actor.name,
        action=action,
        detail=detail,
        channel=actor.channel,
        principal=actor.principal,
    )


def events_for(session: Session, improvement_id: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.improvement_id == improvement_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def events_since_review(session: Session, improvement_id: int) -> list[AuditEvent]:
    """The improvement's events since it last moved to in review (this review round)."""
    moved = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.improvement_id == improvement_id,
            AuditEvent.action == "status_changed",
            AuditEvent.to_status == "in_review",
        )
        .scalar_subquery()
    )
    query = select(AuditEvent).where(
        AuditEvent.improvement_id == improvement_id, col(AuditEvent.id) > moved
    )
    return list(session.exec(query.order_by(col(AuditEvent.id))))


def first_moves_to(
    session: Session, improvement_ids: Iterable[int], status: str
) -> dict[int, datetime]:
    """When each of these improvements first moved to ``status``, by its trail (those that
    never did are left out)."""
    query = (
        select(AuditEvent.improvement_id, func.min(AuditEvent.at))
        .where(
            col(AuditEvent.improvement_id).in_(set(improvement_ids)),
            AuditEvent.action == "status_changed",
            AuditEvent.to_status == status,
        )
        .group_by(col(AuditEvent.improvement_id))
    )
    return {i: as_utc(at) for i, at in session.exec(query) if i is not None}


def last_actions(
    session: Session, improvement_ids: Iterable[int], actions: Iterable[str]
) -> dict[tuple[int, str], str]:
    """The latest of ``actions`` per (improvement, subject), where an event's subject is its
    detail up to the first colon (e.g. an objective's metric)."""
    query = (
        select(AuditEvent)
        .where(
            col(AuditEvent.improvement_id).in_(set(improvement_ids)),
            col(AuditEvent.action).in_(tuple(actions)),
        )
        .order_by(col(AuditEvent.id))
    )
    return {
        (event.improvement_id or 0, event.detail.split(":", 1)[0]): event.action
        for event in session.exec(query)
    }


def without_action(session: Session, improvement_ids: Iterable[int], action: str) -> set[int]:
    """Those of ``improvement_ids`` whose trail has no ``action`` event yet."""
    wanted = set(improvement_ids)
    query = select(AuditEvent.improvement_id).where(
        col(AuditEvent.improvement_id).in_(wanted), AuditEvent.action == action
    )
    done: set[int | None] = set(session.exec(query))
    return wanted - {i for i in done if i is not None}


def count_since(session: Session, improvement_id: int, action: str, since: datetime) -> int:
    """How many ``action`` events the improvement's trail has since ``since``."""
    query = select(func.count()).where(
        AuditEvent.improvement_id == improvement_id,
        AuditEvent.action == action,
        col(AuditEvent.at) >= since,
    )
    return int(session.exec(query).one())
