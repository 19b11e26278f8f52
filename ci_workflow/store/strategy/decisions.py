"""Decisions about the portfolio as a whole, read back from the audit (they concern no one
improvement): the plans CI managers accepted."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ci_workflow.store.tables.audit import AuditEvent


def decisions(session: Session, action: str, *, limit: int = 20) -> list[AuditEvent]:
    """The latest audit events of ``action`` about no one improvement, newest first."""
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.improvement_id).is_(None), AuditEvent.action == action)
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
