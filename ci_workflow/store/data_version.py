"""The register's data version: a few numbers that move whenever what the workspace's kept
figures are computed from changes (the practice page's figures, the board, the closed
improvements' index). Apart from the practice's queries, so that a flow process opening a gate,
which asks it for the similar closed improvements, does not load the practice statistics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from ci_workflow.store.tables import (
    AuditEvent,
    GateDecision,
    GateRequest,
    Improvement,
    MetricSnapshot,
    Opportunity,
)

# Audit actions of signing in, which move none of the practice's figures.
PRESENCE = ("signed_in", "sign_in_failed", "locked_out")


def data_version(session: Session) -> tuple[Any, ...]:
    """What the practice's figures are computed from, as a few numbers that move whenever it
    changes: the newest row of each table written to, and the improvements' latest update."""
    latest = [
        sa_select(func.max(col(table.id))).scalar_subquery()
        for table in (MetricSnapshot, GateRequest, GateDecision, Opportunity)
    ]
    # The newest event of the trail but a sign-in: no figure reads who came in, and on a busy
    # workspace each sign-in would have the figures added up again. Read from the newest down,
    # it stops at the first other event.
    trail = (
        sa_select(col(AuditEvent.id))
        .where(col(AuditEvent.action).not_in(PRESENCE))
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    changed = sa_select(func.max(col(Improvement.updated_at)), func.count()).select_from(
        Improvement
    )
    row = session.execute(changed.add_columns(trail, *latest)).one()
    return tuple(row)
