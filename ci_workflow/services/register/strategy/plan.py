"""``improve portfolio plan`` and the plan form of ``/portfolio``: the identified and defined
improvements that together give the most value within a budget and team hours
(``domain.strategy.plan``), and a CI manager's acceptance of that proposal, recorded as a
decision in the audit (``portfolio_plan_accepted``: the ids chosen, the constraints and the
value reached).

With a quarter, the candidates are those placed in it or in no quarter (one placed in
another quarter is left out, saying where), and the budget and hours default to the
quarter's capacity less what the improvements past choosing (planned onwards) placed in it
already take.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.priority import wsjf
from ci_workflow.domain.numbers import money
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.strategy import plan as rules
from ci_workflow.domain.strategy.capacity import QUARTER
from ci_workflow.domain.strategy.plan import Candidate, LeftOut, Measure
from ci_workflow.domain.strategy.portfolio import SET_ASIDE
from ci_workflow.errors import UsageError
from ci_workflow.schemas_strategy import AcceptedPlan, PlanItem, PlanLeftOut, PortfolioPlan
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.services.register.strategy.capacity import demand_of
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy.benefits import organisation_money
from ci_workflow.store.strategy.capacity import DemandRow, demand_rows, held_capacity
from ci_workflow.store.strategy.decisions import decisions

CHOOSABLE = frozenset({Status.identified, Status.defined})
ACCEPTED = "portfolio_plan_accepted"
REFUSED = "only a CI manager accepts a portfolio plan"


@dataclass(frozen=True)
class Ask:
    """What the plan is asked for: the measure, and the constraints as given (None: from
    the quarter's capacity)."""

    measure: Measure = Measure.value
    budget: float | None = None
    hours: float | None = None
    quarter: str | None = None


def propose(ask: Ask) -> PortfolioPlan:
    with transaction(write=False) as session:
        return plan_of(session, ask)


def accept(ask: Ask, *, actor: Actor) -> PortfolioPlan:
    """Propose, then record the proposal as the CI manager's decision."""
    with refusing(actor), transaction() as session:
        if actor.person is None or not allowed(Action.accept_portfolio_plan, actor.person):
            raise Refused(REFUSED)
        found = plan_of(session, ask)
        record_act(session, actor, improvement_id=None, action=ACCEPTED, detail=_detail(found))
        return found.model_copy(update={"accepted_by": actor.name})


def capacity_quarters() -> list[str]:
    """The quarters the strategy sets capacity for, in order."""
    with transaction(write=False) as session:
        return list(held_capacity(session))


def accepted_plans(limit: int = 20) -> list[AcceptedPlan]:
    """The plans accepted lately, newest first, as the audit holds them."""
    with transaction(write=False) as session:
        return [
            AcceptedPlan(at=e.at, by=e.actor, channel=e.channel, detail=e.detail)
            for e in decisions(session, ACCEPTED, limit=limit)
        ]


def plan_of(session: Session, ask: Ask) -> PortfolioPlan:
    rows = [row for row in demand_rows(session) if row.status not in SET_ASIDE]
    budget, hours, committed = _constraints(session, ask, rows)
    candidates, elsewhere = _candidates(rows, ask)
    if not candidates and not elsewhere:
        where = f" placed in {ask.quarter} or in no quarter" if ask.quarter else ""
        raise UsageError(f"nothing to choose from: no identified or defined improvement{where}")
    chosen = rules.choose(candidates, budget=budget, hours=hours, measure=ask.measure)
    left = [_left(item) for item in chosen.left_out] + elsewhere
    order = {format_id(row.id): n for n, row in enumerate(rows)}
    left.sort(key=lambda item: order[item.id])
    return PortfolioPlan(
        measure=str(ask.measure),
        quarter=ask.quarter,
        budget=budget,
        hours=hours,
        committed_cost=committed[0],
        committed_hours=committed[1],
        chosen=[_item(c) for c in chosen.chosen],
        left_out=left,
        total_cost=chosen.total_cost,
        total_hours=chosen.total_hours,
        total_value=chosen.total_value,
        currency=organisation_money(session)[0],
    )


def _constraints(
    session: Session, ask: Ask, rows: list[DemandRow]
) -> tuple[float, float, tuple[float, float]]:
    for name, amount in (("--budget", ask.budget), ("--hours", ask.hours)):
        if amount is not None and not amount >= 0:
            raise UsageError(f"{name}: {amount:g} is below zero; give an amount of 0 or more")
    if ask.quarter is None:
        if ask.budget is None or ask.hours is None:
            raise UsageError("give --budget and --hours, or --quarter to take its capacity")
        return ask.budget, ask.hours, (0.0, 0.0)
    if not QUARTER.match(ask.quarter):
        raise UsageError(f"--quarter: {ask.quarter!r} is not a quarter, e.g. 2027Q1")
    capacity = held_capacity(session)
    if ask.quarter not in capacity:
        known = ", ".join(capacity) or "none: add capacity: to strategy.yaml"
        raise UsageError(f"--quarter: no capacity for {ask.quarter} in the strategy ({known})")
    taken = [
        demand_of(row)
        for row in rows
        if row.status not in CHOOSABLE and demand_of(row).quarter == ask.quarter
    ]
    cost = sum(d.cost or 0.0 for d in taken)
    hours = sum(d.hours or 0.0 for d in taken)
    cap_hours, cap_budget = capacity[ask.quarter]
    budget = ask.budget if ask.budget is not None else max(cap_budget - cost, 0.0)
    return (
        budget,
        ask.hours if ask.hours is not None else max(cap_hours - hours, 0.0),
        (
            cost,
            hours,
        ),
    )


def _candidates(rows: list[DemandRow], ask: Ask) -> tuple[list[Candidate], list[PlanLeftOut]]:
    candidates, elsewhere = [], []
    for row in rows:
        if row.status not in CHOOSABLE:
            continue
        candidate = Candidate(
            demand_of(row).id, row.title, row.cost, row.hours, _value(row, ask.measure)
        )
        quarter = demand_of(row).quarter
        if ask.quarter and quarter not in (None, ask.quarter):
            elsewhere.append(_left(LeftOut(candidate, f"placed in {quarter}, not {ask.quarter}")))
        else:
            candidates.append(candidate)
    return candidates, elsewhere


def _value(row: DemandRow, measure: Measure) -> float | None:
    if measure == Measure.wsjf:
        return wsjf(*row.wsjf)
    return row.expected_gain


def _item(candidate: Candidate) -> PlanItem:
    return PlanItem(
        id=candidate.id,
        title=candidate.title,
        estimated_cost=candidate.cost,
        estimated_hours=candidate.hours,
        value=candidate.value,
    )


def _left(item: LeftOut) -> PlanLeftOut:
    return PlanLeftOut(**_item(item.candidate).model_dump(), reason=item.reason)


def _detail(found: PortfolioPlan) -> str:
    chosen = ", ".join(i.id for i in found.chosen) or "none"
    where = f" for {found.quarter}" if found.quarter else ""
    c = found.currency
    return (
        f"plan{where} by {found.measure}: chose {chosen}; budget {money(found.budget)} {c}, "
        f"{found.hours:,.0f} h; uses {money(found.total_cost)} {c} and "
        f"{found.total_hours:,.0f} h; {value_text(found.measure, found.total_value, c)}"
    )


def value_text(measure: str, total: float, currency: str) -> str:
    if measure == Measure.wsjf:
        return f"WSJF {total:,.2f} in total"
    return f"expected gain {money(total)} {currency} in total"
