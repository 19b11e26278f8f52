"""Ways a person proves who they are to the workspace beside a password: one-time invitation
links, personal API tokens (the CLI's `improve login`) and signed-in browser sessions. Only
hashes of the secrets are kept; each can be ended here, on the server."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A browser's sign-in: its cookie carries the secret, this row says whether it still holds
    (sign-out and a password change end it)."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
