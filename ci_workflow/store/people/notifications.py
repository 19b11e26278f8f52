"""Reading and writing notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from ci_workflow.store.db import in_chunks
from ci_workflow.store.tables import Notification


def add_new(session: Session, notifications: Sequence[Notification]) -> list[Notification]:
    """Add those whose key is not written yet (a replayed task tells nothing twice); the ones
    added, in order."""
    keys = {n.key for n in notifications}
    known: set[str] = set()
    for chunk in in_chunks(sorted(keys)):
        known.update(session.exec(select(Notification.key).where(col(Notification.key).in_(chunk))))
    added = []
    for notification in notifications:
        if notification.key not in known:
            known.add(notification.key)
            added.append(notification)
    session.add_all(added)
    session.flush()
    return added


def with_status(
    session: Session, status: str, *, ids: Iterable[int] | None = None, claim: bool = False
) -> list[Notification]:
    """``claim``: for this transaction alone. On PostgreSQL rows another transaction is claiming
    are skipped, so two processes sending at once never send one notification twice (SQLite
    runs one write transaction at a time)."""
    query = select(Notification).where(Notification.status == status)
    if ids is not None:
        query = query.where(col(Notification.id).in_(set(ids)))
    if claim:
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query.order_by(col(Notification.id))))


def of_improvement(session: Session, improvement_id: int) -> list[Notification]:
    query = select(Notification).where(Notification.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Notification.id))))


def last_told(session: Session, improvement_id: int, key_prefix: str) -> list[int]:
    """The people e-mailed the latest notification of an improvement whose key starts with
    ``key_prefix`` (the same message to several people shares its key up to ``:email:``)."""
    query = select(Notification).where(
        Notification.improvement_id == improvement_id,
        Notification.channel == "email",
        col(Notification.key).startswith(key_prefix, autoescape=True),
    )
    rows = list(session.exec(query.order_by(col(Notification.id))))
    if not rows:
        return []
    latest = rows[-1].key.split(":email:")[0]
    return [r.person_id for r in rows if r.key.split(":email:")[0] == latest and r.person_id]
