"""Reading metric snapshots."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ci_workflow.store.tables import MetricSnapshot, Objective


def latest_values(session: Session, improvement_id: int) -> dict[str, tuple[float, datetime]]:
    """Each objective's most recent successful measurement, by metric."""
    query = (
        select(Objective.metric, MetricSnapshot.value, MetricSnapshot.checkpoint_at)
        .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
        .where(Objective.improvement_id == improvement_id, col(MetricSnapshot.value).is_not(None))
        .order_by(col(MetricSnapshot.checkpoint_at).desc())
    )
    latest: dict[str, tuple[float, datetime]] = {}
    for metric, value, at in session.exec(query):
        if metric not in latest and value is not None:
            latest[metric] = (value, at)
    return latest
