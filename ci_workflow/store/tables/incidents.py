"""Incident records imported from an ITSM tool: the data of incident-based metrics."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    opened_at: datetime = Field(index=True)
    resolved_at: datetime | None = Field(default=None, index=True)
    closed_at: datetime | None = None
    category: str | None = Field(default=None, max_length=200, index=True)
    service: str | None = Field(default=None, max_length=200)
    priority: str | None = Field(default=None, max_length=64)
    assignment_group: str | None = Field(default=None, max_length=200)
    sla_met: bool | None = None
    # Counts are NULL when the export neither had nor derived them: unknown, not zero.
    reopen_count: int | None = None
    reassignment_count: int | None = None
    ping_pong_count: int | None = None
    problem_id: str | None = Field(default=None, max_length=64)
    change_id: str | None = Field(default=None, max_length=64)
    # The connection it was synced from (None: imported from a file), and when that tool no
    # longer had it: kept as measured, left out of metrics and detectors from then on.
    source: str | None = Field(default=None, max_length=64, index=True)
    deleted_at: datetime | None = None
    imported_at: datetime = Field(default_factory=utcnow)
