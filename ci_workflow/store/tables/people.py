"""People and the roles they hold, some scoped to one process or service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    email: str = Field(max_length=320, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    # A deactivated person can no longer sign in or decide; history keeps their name.
    active: bool = True
    deactivated_at: datetime | None = None
    # Argon2 hash of the workspace password; None until set (invitation or `people passwd`).
    password_hash: str | None = Field(default=None, sa_type=Text)
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    # "now": each notification is e-mailed as it happens; "digest": one e-mail a day.
    notify: str = Field(default="now", max_length=8)


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    role: str = Field(max_length=32)
    # "" rather than NULL for unscoped roles, so the unique constraint holds on every database.
    scope: str = Field(default="", max_length=200)
