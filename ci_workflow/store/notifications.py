"""Reading and writing notifications."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from ci_workflow.store.tables import Notification


def add_once(session: Session, notification: Notification) -> bool:
    """Add it unless one with its key exists (a replayed task); True if added."""
    known = session.exec(select(Notification.id).where(Notification.key == notification.key))
    if known.first() is not None:
        return False
    session.add(notification)
    session.flush()
    return True


def with_status(
    session: Session, status: str, *, ids: Iterable[int] | None = None
) -> list[Notification]:
    query = select(Notification).where(Notification.status == status)
    if ids is not None:
        query = query.where(col(Notification.id).in_(set(ids)))
    return list(session.exec(query.order_by(col(Notification.id))))


def of_improvement(session: Session, improvement_id: int) -> list[Notification]:
    query = select(Notification).where(Notification.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Notification.id))))
