"""An improvement file's version: the id of the latest audit event that changed what the file
holds (``domain.improvement.improvement_file``), and those events after a version an editor
started from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from ci_workflow.domain.improvement.improvement_file import DEFINITION_ACTIONS, STARTED_MOVE
from ci_workflow.store.db import in_chunks
from ci_workflow.store.tables import AuditEvent


def _changes_definition() -> Any:
    started = and_(
        col(AuditEvent.action) == STARTED_MOVE[0], col(AuditEvent.to_status) == STARTED_MOVE[1]
    )
    return or_(col(AuditEvent.action).in_(DEFINITION_ACTIONS), started)


def versions_of(session: Session, improvement_ids: Iterable[int]) -> dict[int, int]:
    """Each improvement's file version (0 for one whose trail has no such event)."""
    ids = sorted(set(improvement_ids))
    found = dict.fromkeys(ids, 0)
    for chunk in in_chunks(ids):
        query = (
            select(AuditEvent.improvement_id, func.max(AuditEvent.id))
            .where(col(AuditEvent.improvement_id).in_(chunk), _changes_definition())
            .group_by(col(AuditEvent.improvement_id))
        )
        found.update((i, v) for i, v in session.exec(query) if i is not None and v is not None)
    return found


def changes_after(session: Session, improvement_id: int, version: int) -> list[AuditEvent]:
    """What changed the improvement's file after ``version``, oldest first."""
    query = select(AuditEvent).where(
        AuditEvent.improvement_id == improvement_id,
        col(AuditEvent.id) > version,
        _changes_definition(),
    )
    return list(session.exec(query.order_by(col(AuditEvent.id))))
