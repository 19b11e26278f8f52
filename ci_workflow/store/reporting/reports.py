"""Reading and writing saved reports and their deliveries."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ci_workflow.domain.clock import utcnow
from ci_workflow.store.tables import Delivery, Report


def report_at(session: Session, path: str) -> Report | None:
    return session.exec(select(Report).where(Report.path == path)).first()


def record_report(
    session: Session, *, path: str, sha256: str, improvement_id: int | None, kind: str, fmt: str
) -> Report:
    """One row per path, updated when the file is written again (with what it now is)."""
    report = report_at(session, path) or Report(
        improvement_id=improvement_id, kind=kind, format=fmt, path=path, sha256=""
    )
    report.improvement_id, report.kind, report.format = improvement_id, kind, fmt
    report.sha256, report.created_at = sha256, utcnow()
    session.add(report)
    session.flush()
    return report


def reports_of(session: Session, improvement_id: int) -> list[Report]:
    query = select(Report).where(Report.improvement_id == improvement_id)
    return list(session.exec(query.order_by(col(Report.created_at).desc(), col(Report.id))))


def reached(session: Session, report_id: int, channel: str) -> set[str]:
    """Recipients this report has been sent to through ``channel``."""
    query = select(Delivery.recipient).where(
        Delivery.report_id == report_id, Delivery.channel == channel, Delivery.outcome == "sent"
    )
    return set(session.exec(query))


def record_deliveries(
    session: Session,
    *,
    report_id: int,
    sha256: str,
    channel: str,
    recipients: list[str],
    outcome: str,
    attempts: int,
    detail: str,
) -> None:
    for recipient in recipients:
        session.add(
            Delivery(
                report_id=report_id,
                sha256=sha256,
                channel=channel,
                recipient=recipient,
                outcome=outcome,
                attempts=attempts,
                detail=detail,
            )
        )
    session.flush()
