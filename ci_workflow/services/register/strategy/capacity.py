"""Per quarter, the capacity ``strategy.yaml`` sets against the demand of the improvements in
play placed in it (``domain.strategy.capacity`` says how an improvement is placed), for
``improve portfolio`` and ``/portfolio``."""

from __future__ import annotations

from sqlmodel import Session

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.strategy.capacity import Demand, loads, placed
from ci_workflow.domain.strategy.portfolio import SET_ASIDE
from ci_workflow.schemas_strategy import QuarterLoad
from ci_workflow.store.strategy.capacity import DemandRow, demand_rows, held_capacity


def demand_of(row: DemandRow) -> Demand:
    return Demand(
        format_id(row.id), placed(row.action_dues, row.objective_dues), row.hours, row.cost
    )


def capacity_of(session: Session) -> tuple[list[QuarterLoad], list[str]]:
    """Each quarter's load, and the improvements in play that no due date places."""
    demands = [demand_of(row) for row in demand_rows(session) if row.status not in SET_ASIDE]
    shown = [
        QuarterLoad(
            quarter=load.quarter,
            hours=load.hours,
            budget=load.budget,
            demand_hours=load.demand_hours,
            demand_cost=load.demand_cost,
            over_hours=load.over_hours,
            over_budget=load.over_budget,
            improvements=list(load.improvements),
            not_estimated=load.not_estimated,
        )
        for load in loads(held_capacity(session), demands)
    ]
    return shown, [d.id for d in demands if d.quarter is None]
