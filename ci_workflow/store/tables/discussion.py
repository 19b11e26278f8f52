"""Talk about an improvement: comments (perhaps about one of its gates), the people who follow
it, and the files attached as evidence, their bytes kept apart so that listing them reads none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    author_id: int = Field(foreign_key="person.id")
    gate: str | None = Field(default=None, max_length=32)  # the gate it is about, if one
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Watcher(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("improvement_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    since: datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="SET NULL")
    author_id: int = Field(foreign_key="person.id")
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class AttachmentContent(SQLModel, table=True):
    __tablename__ = "attachment_content"

    attachment_id: int = Field(foreign_key="attachment.id", ondelete="CASCADE", primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)
