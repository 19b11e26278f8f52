"""The strategy the register holds: each applied version, its items (goals, objectives, key
results, programmes; flat, each naming its parent), key results' recorded values, and what
each improvement serves and which programme it belongs to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class StrategyVersion(SQLModel, table=True):
    """One apply that changed the strategy, with the file as it was applied."""

    __tablename__ = "strategy_version"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    applied_at: datetime = Field(default_factory=utcnow)
    applied_by: str = Field(max_length=200)
    source: str = Field(default="", max_length=400)
    document: str = Field(default="", sa_type=Text)
    # The organisation's currency (ISO 4217) and the rates into it, e.g. {"USD": 0.92}.
    currency: str = Field(default="EUR", max_length=3)
    rates: dict[str, float] = Field(default_factory=dict, sa_type=JSON)


class StrategyItem(SQLModel, table=True):
    """A goal, strategic objective, key result or programme. One the file stops naming is
    retired (``retired_at``), never deleted: a key result's values stay with it."""

    __tablename__ = "strategy_item"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    parent_key: str | None = Field(default=None, max_length=64)
    position: int = 0
    title: str = Field(max_length=200)
    owner_id: int = Field(foreign_key="person.id")
    metric: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=32)
    baseline: float | None = None
    target: float | None = None
    direction: str | None = Field(default=None, max_length=16)
    due: date | None = None
    budget: float | None = None
    # A key result measured by a capture: its source (as applied), window and cadence.
    source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    window: str | None = Field(default=None, max_length=8)
    checkpoint_cron: str | None = Field(default=None, max_length=100)
    # The strategy version that last created or changed it.
    version: int
    retired_at: datetime | None = None


class KeyResultValue(SQLModel, table=True):
    """A key result's value as measured at a moment: recorded by hand, or captured from its
    source at a checkpoint (``checkpoint_at``, once per checkpoint; ``value`` None and
    ``error`` saying why when the source failed)."""

    __tablename__ = "key_result_value"
    __table_args__ = (
        UniqueConstraint("item_id", "checkpoint_at", name="uq_key_result_value_checkpoint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="strategy_item.id", ondelete="CASCADE", index=True)
    at: datetime
    value: float | None = None
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str = Field(max_length=200)
    note: str | None = Field(default=None, sa_type=Text)
    checkpoint_at: datetime | None = None
    error: str | None = Field(default=None, sa_type=Text)


class ImprovementLink(SQLModel, table=True):
    """An improvement's tie to the strategy: a strategic objective it serves (``serves``, with
    the contribution it expects) or the one programme it belongs to (``programme``)."""

    __tablename__ = "improvement_link"

    improvement_id: int = Field(foreign_key="improvement.id", ondelete="CASCADE", primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)
    key: str = Field(max_length=64, primary_key=True, index=True)
    position: int = 0
    contribution: str = Field(default="", sa_type=Text)
