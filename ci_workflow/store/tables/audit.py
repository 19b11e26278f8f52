"""The audit trail: who did what to an improvement, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int | None = Field(
        default=None, foreign_key="improvement.id", ondelete="CASCADE", index=True
    )
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    detail: str = Field(default="", sa_type=Text)
    # For acts of people: the channel (web, api, cli, prefect-ui) and the verified principal.
    channel: str | None = Field(default=None, max_length=16)
    principal: str | None = Field(default=None, max_length=320)
