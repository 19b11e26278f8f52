"""Measurements of an objective's metric: the baseline, checkpoints, and the final capture;
the survey a value recorded by hand is the mean of."""

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
    # What the person who recorded it by hand said of it.
    note: str | None = Field(default=None, sa_type=Text)


class SurveyResult(SQLModel, table=True):
    """The survey a recorded value is the mean of: what was asked, on which scale, how many
    answered each point (``domain.measures.surveys``)."""

    __tablename__ = "survey_result"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(
        foreign_key="metric_snapshot.id", ondelete="CASCADE", unique=True, index=True
    )
    question: str = Field(sa_type=Text)
    scale: int
    # Answers per point, the lowest first: "2,3,10,20,12".
    counts: str = Field(max_length=400)
