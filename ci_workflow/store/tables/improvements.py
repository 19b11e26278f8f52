"""The Continual Improvement Register: improvements, their SMART objectives, plan and team."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class Improvement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    type: str = Field(max_length=16)
    source: str = Field(max_length=32)
    process: str = Field(max_length=200, index=True)
    service: str | None = Field(default=None, max_length=200)
    vision: str = Field(default="", sa_type=Text)
    current_state: str = Field(default="", sa_type=Text)
    scope: str = Field(default="", sa_type=Text)
    owner_id: int = Field(foreign_key="person.id", index=True)  # My work, "mine"
    process_owner_id: int = Field(foreign_key="person.id", index=True)
    strategic_impact: int
    feasibility: int
    estimated_cost: float | None = None
    estimated_hours: float | None = None  # the team's hours it needs, for capacity
    expected_gain: float | None = None
    actual_cost: float | None = None
    realised_gain: float | None = None
    status: str = Field(max_length=32, index=True)
    identified_at: datetime
    approved_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    flow_run_id: str | None = Field(default=None, max_length=36)
    # Weighted shortest job first inputs (each 1–20), as scored in the improvement file.
    wsjf_business_value: int | None = None
    wsjf_time_criticality: int | None = None
    wsjf_risk_reduction: int | None = None
    wsjf_effort: int | None = None
    # When checkpoints capture the objectives while it executes (UTC cron).
    checkpoint_cron: str = Field(default="0 6 * * 1", max_length=64)
    lessons_learned: str | None = Field(default=None, sa_type=Text)
    # Its review sign-off needs a service owner of its service to co-sign the process owner's.
    service_owner_signoff: bool = Field(default=False)
    # After it closes, its objectives keep being measured this many days: did the gain hold?
    sustain_days: int = Field(default=90)
    # The share of its gain a sustainment measurement must keep (0.5: half), else it regressed.
    sustain_keep: float = Field(default=0.5)
    # When a sustainment check found a metric gone back past its threshold (None: held so far).
    regressed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)  # its newest: data version


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class Objective(SQLModel, table=True):
    """One SMART target of an improvement."""

    __table_args__ = (UniqueConstraint("improvement_id", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    position: int
    metric: str = Field(max_length=64)
    description: str = Field(default="", sa_type=Text)
    unit: str = Field(default="", max_length=32)
    window: str = Field(default="7d", max_length=16)
    source: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # A number, or NULL with baseline_mode "measure" until the define stage captures it.
    baseline: float | None = None
    baseline_mode: str = Field(max_length=8)
    target: float
    direction: str = Field(max_length=8)
    due: date
    kpi_kind: str = Field(max_length=32)
    # Process efficiency: the metric of another objective of the improvement that is this
    # objective's input, so that efficiency is output ÷ input (None: the metric is the ratio).
    input_metric: str | None = Field(default=None, max_length=64)
    # Set when a file drops the objective: it stops being measured; its snapshots stay history.
    retired_at: datetime | None = None


class PlanAction(SQLModel, table=True):
    __tablename__ = "plan_action"

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    position: int
    action: str = Field(sa_type=Text)
    owner_id: int = Field(foreign_key="person.id")
    due: date | None = None
    status: str = Field(max_length=16)
    change: str | None = Field(default=None, max_length=64)
    # When it became done (None while it is not, or done before the register kept the date).
    done_on: date | None = None
    # The due date its overdue reminder was sent for: a new due date arms the reminder again.
    reminded_due: date | None = None
