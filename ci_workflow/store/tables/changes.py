"""Change records imported from a change management tool: the state of the changes that plan
actions depend on."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class ChangeRecord(SQLModel, table=True):
    __tablename__ = "change_record"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    state: str = Field(max_length=64)
    # open, closed or failed, as the import's mapping classified the state and close code.
    outcome: str = Field(max_length=16)
    opened_at: datetime | None = None
    planned_start_at: datetime | None = None
    planned_end_at: datetime | None = None
    closed_at: datetime | None = Field(default=None, index=True)
    service: str | None = Field(default=None, max_length=200)
    type: str | None = Field(default=None, max_length=64)
    risk: str | None = Field(default=None, max_length=64)
    close_code: str | None = Field(default=None, max_length=64)
    # The connection it was synced from (None: imported from a file), and when that tool no
    # longer had it: kept as measured, left out of metrics and detectors from then on.
    source: str | None = Field(default=None, max_length=64, index=True)
    deleted_at: datetime | None = None
    imported_at: datetime = Field(default_factory=utcnow)
