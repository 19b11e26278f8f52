"""Measurements of an objective's metric: the baseline, checkpoints, and the final capture."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class MetricSnapshot(SQLModel, table=True):
    __tablename__ = "metric_snapshot"
    # Capturing the same checkpoint twice must store nothing new.
    __table_args__ = (UniqueConstraint("objective_id", "kind", "checkpoint_at"),)

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="objective.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)
    checkpoint_at: datetime
    captured_at: datetime = Field(default_factory=utcnow)
    # NULL value with an error: a failed capture, kept with its reason.
    value: float | None = None
    error: str | None = Field(default=None, sa_type=Text)
    recorded_by: str | None = Field(default=None, max_length=200)
