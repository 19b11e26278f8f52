"""The table of capacity per quarter, apart from its queries: ``store/tables`` imports it, and
it imports no other table, so neither waits on the other."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class StrategyCapacity(SQLModel, table=True):
    """One quarter's team hours and budget. A quarter the file stops naming is retired
    (``retired_at``); the strategy's versions keep every file as applied."""

    __tablename__ = "strategy_capacity"

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=6, unique=True)
    hours: float
    budget: float
    # The strategy version that last created or changed it.
    version: int
    retired_at: datetime | None = None
