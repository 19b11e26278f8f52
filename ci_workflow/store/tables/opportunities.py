"""Improvement opportunities found in incident data, waiting to be accepted or dismissed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Opportunity(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # kind, grouping, group and period: the same finding is recorded once, and a dismissed one
    # does not come back for that group and period.
    fingerprint: str = Field(max_length=400, unique=True)
    kind: str = Field(max_length=32)
    group_by: str = Field(max_length=32)
    group: str = Field(max_length=300)
    title: str = Field(sa_type=Text)
    period_start: datetime
    period_end: datetime
    evidence: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    objective: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=32)
    value_hours: float
    confidence: float
    score: float = Field(index=True)
    status: str = Field(default="new", max_length=16)  # new, accepted, dismissed
    detected_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, sa_type=Text)
    improvement_id: int | None = Field(default=None, foreign_key="improvement.id")
