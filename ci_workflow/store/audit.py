"""Writing and reading the audit trail."""

from __future__ import annotations

from sqlmodel import Session, select

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
) -> AuditEvent:
    event = AuditEvent(
        improvement_id=improvement_id,
        actor=actor,
        action=action,
        detail=detail,
        from_status=from_status,
        to_status=to_status,
    )
    session.add(event)
    session.flush()
    return event


def events_for(session: Session, improvement_id: int) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.improvement_id == improvement_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(session.exec(query))
