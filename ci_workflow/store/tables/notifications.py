"""Notifications: who was told what (a gate waits, a gate is overdue, an objective is off track,
an invitation), through which channel, and whether it was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # What it is about, per recipient: a replayed task records nothing twice.
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=32)  # gate_opened, gate_overdue, off_track, on_track, invitation
    channel: str = Field(max_length=16)  # email, webhook
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    recipient: str = Field(max_length=320)  # an e-mail address, or the webhook's host
    improvement_id: int | None = Field(
        default=None, foreign_key="improvement.id", ondelete="CASCADE", index=True
    )
    subject: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    link: str = Field(default="", sa_type=Text)
    # pending → sent | failed | skipped; "digest" waits for the person's daily digest.
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None  # when a dispatcher took it to send ("sending")
    sent_at: datetime | None = None
