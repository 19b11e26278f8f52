"""The lifecycle's stage gates: each time a gate opens (a request), and each decision taken."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class GateRequest(SQLModel, table=True):
    """A gate waiting for (or having had) a decision: one row per gate and attempt."""

    __tablename__ = "gate_request"
    __table_args__ = (UniqueConstraint("improvement_id", "gate", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    gate: str = Field(max_length=32)
    attempt: int
    flow_run_id: str | None = Field(default=None, max_length=36)
    opened_at: datetime = Field(default_factory=utcnow)
    # NULL while waiting; "refused" when an unauthorised answer arrived, else the decision.
    closed_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=16)
    # Why an answer was refused: the next attempt's form says so.
    refusal: str | None = Field(default=None, sa_type=Text)
    # Last time the watchdog reported it overdue.
    reminded_at: datetime | None = None
    # Who is sending an answer right now: Prefect may accept two racing resumes of one run,
    # so the CLI claims the gate here first and only the claimant resumes the run.
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = None


class GateDecision(SQLModel, table=True):
    __tablename__ = "gate_decision"
    # Written exactly once per gate attempt, however often the flow replays.
    __table_args__ = (UniqueConstraint("improvement_id", "gate", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    gate: str = Field(max_length=32)
    attempt: int
    decision: str = Field(max_length=16)
    decided_by_id: int = Field(foreign_key="person.id")
    decided_at: datetime = Field(default_factory=utcnow)
    comment: str = Field(default="", sa_type=Text)
    flow_run_id: str | None = Field(default=None, max_length=36)
    # How the decision arrived (web, api, cli, prefect-ui) and who was verified to send it: the
    # signed-in person's e-mail, "os:USER" for the CLI on the register's machine, "unverified".
    channel: str = Field(default="cli", max_length=16)
    principal: str = Field(default="", max_length=320)
