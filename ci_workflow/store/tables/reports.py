"""Reports rendered for an improvement or for the practice, and where they were saved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Report(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int | None = Field(
        default=None, foreign_key="improvement.id", ondelete="CASCADE", index=True
    )
    kind: str = Field(max_length=16)
    format: str = Field(max_length=8)
    path: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """One attempt-series at sending a report through one channel to one recipient."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", ondelete="CASCADE", index=True)
    sha256: str = Field(max_length=64)  # the report version sent
    channel: str = Field(max_length=16)  # file, artifact, email, webhook
    recipient: str = Field(max_length=320)
    at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(max_length=16)  # sent, failed
    attempts: int = 1
    detail: str = Field(default="", sa_type=Text)
