"""Benefits over time: each improvement's benefit lines as its file declares them (the
forecast per quarter), and the actuals recorded or measured per line and quarter with their
validation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class BenefitLine(SQLModel, table=True):
    """A benefit line, written anew from the improvement's file at every apply that changes it."""

    __tablename__ = "benefit_line"
    __table_args__ = (UniqueConstraint("improvement_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    key: str = Field(max_length=64)
    position: int = 0
    kind: str = Field(max_length=32)
    recurring: bool = True
    currency: str | None = Field(default=None, max_length=3)  # None: the organisation's
    description: str = Field(default="", max_length=200)
    # By quarter ("2027Q1"), the amount forecast, in the line's currency.
    forecast: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    measured_metric: str | None = Field(default=None, max_length=64)
    measured_rate: float | None = None


class BenefitActual(SQLModel, table=True):
    """A line's actual in one quarter: recorded by hand, or measured (kept once validated or
    rejected, as it was then). Kept by the line's key, so it outlives a re-applied file."""

    __tablename__ = "benefit_actual"
    __table_args__ = (UniqueConstraint("improvement_id", "line_key", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", index=True)
    line_key: str = Field(max_length=64)
    quarter: str = Field(max_length=6)
    amount: float  # in the line's currency
    source: str = Field(max_length=16)  # recorded or measured
    recorded_by: str = Field(max_length=200)
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, sa_type=Text)
    state: str = Field(default="recorded", max_length=16)  # recorded, validated, rejected
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    reason: str | None = Field(default=None, sa_type=Text)
