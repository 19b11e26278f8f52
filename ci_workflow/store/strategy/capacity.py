"""Capacity per quarter as the strategy sets it, and the demand placed on it: each
improvement's estimated hours and cost with the due dates that place it in a quarter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from ci_workflow.domain.strategy.capacity import CapacitySpec
from ci_workflow.store.strategy.capacity_table import StrategyCapacity
from ci_workflow.store.tables.improvements import Improvement, Objective, PlanAction


def held_capacity(session: Session) -> dict[str, tuple[float, float]]:
    """The capacity in force: (hours, budget) by quarter, in quarter order."""
    query = (
        select(StrategyCapacity)
        .where(col(StrategyCapacity.retired_at).is_(None))
        .order_by(col(StrategyCapacity.quarter))
    )
    return {row.quarter: (row.hours, row.budget) for row in session.exec(query)}


def write_capacity(
    session: Session, quarters: Iterable[CapacitySpec], *, version: int, at: datetime
) -> None:
    """Create or update the quarters named; retire the held ones not named."""
    rows = {row.quarter: row for row in session.exec(select(StrategyCapacity))}
    named: set[str] = set()
    for entry in quarters:
        named.add(entry.quarter)
        row = rows.get(entry.quarter)
        if row is None:
            session.add(
                StrategyCapacity(
                    quarter=entry.quarter, hours=entry.hours, budget=entry.budget, version=version
                )
            )
        elif (row.hours, row.budget) != (entry.hours, entry.budget) or row.retired_at:
            row.hours, row.budget, row.version, row.retired_at = (
                entry.hours,
                entry.budget,
                version,
                None,
            )
            session.add(row)
    for quarter, row in rows.items():
        if quarter not in named and row.retired_at is None:
            row.retired_at, row.version = at, version
            session.add(row)
    session.flush()


@dataclass(frozen=True)
class DemandRow:
    id: int
    title: str
    status: str
    hours: float | None
    cost: float | None
    expected_gain: float | None
    wsjf: tuple[int | None, int | None, int | None, int | None]
    action_dues: tuple[date, ...]
    objective_dues: tuple[date, ...]


def demand_rows(session: Session) -> list[DemandRow]:
    """Every improvement's estimates, value and due dates, in id order: three queries."""
    actions: dict[int, list[date]] = defaultdict(list)
    query = select(PlanAction.improvement_id, func.max(PlanAction.due)).group_by(
        col(PlanAction.improvement_id)
    )
    for improvement_id, due in session.exec(query):
        if due is not None:
            actions[improvement_id].append(due)
    objectives: dict[int, list[date]] = defaultdict(list)
    query_o = (
        select(Objective.improvement_id, func.min(Objective.due))
        .where(col(Objective.retired_at).is_(None))
        .group_by(col(Objective.improvement_id))
    )
    for improvement_id, due in session.exec(query_o):
        if due is not None:
            objectives[improvement_id].append(due)
    return [
        DemandRow(
            row.id or 0,
            row.title,
            row.status,
            row.estimated_hours,
            row.estimated_cost,
            row.expected_gain,
            (
                row.wsjf_business_value,
                row.wsjf_time_criticality,
                row.wsjf_risk_reduction,
                row.wsjf_effort,
            ),
            tuple(actions.get(row.id or 0, ())),
            tuple(objectives.get(row.id or 0, ())),
        )
        for row in session.exec(select(Improvement).order_by(col(Improvement.id)))
    ]
