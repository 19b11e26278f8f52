"""``improve portfolio`` and ``/portfolio``: per strategic objective the improvements serving
it by stage and its key results' progress; the objectives nobody serves; per programme its
improvements and their estimated cost against its budget. Read-only, for everyone who may see
the register."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.strategy import portfolio as rules
from ci_workflow.domain.strategy.portfolio import Member
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.schemas_strategy import (
    ObjectiveOut,
    ObjectiveRef,
    PortfolioImprovement,
    PortfolioObjective,
    PortfolioOut,
    PortfolioProgramme,
    StrategyOut,
)
from ci_workflow.services.register.strategy.benefit_views import portfolio_benefits
from ci_workflow.services.register.strategy.capacity import capacity_of
from ci_workflow.services.register.strategy.show import strategy_of
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy.links import all_links, portfolio_rows


def portfolio() -> PortfolioOut:
    with transaction(write=False) as session:
        return portfolio_of(session)


def portfolio_of(session: Session) -> PortfolioOut:
    strategy = strategy_of(session)
    if strategy.version is None:
        return PortfolioOut()
    members, said = _members(session)
    objectives = [
        _objective(goal.key, goal.title, objective, members, said)
        for goal in strategy.goals
        for objective in goal.objectives
    ]
    capacity, not_placed = capacity_of(session)
    return PortfolioOut(
        version=strategy.version,
        capacity=capacity,
        not_placed=not_placed,
        objectives=objectives,
        unserved=_unserved(strategy, members),
        programmes=[
            _programme(p.key, p.title, p.owner, p.budget, members) for p in strategy.programmes
        ],
        benefits=portfolio_benefits(session, strategy),
    )


def _members(session: Session) -> tuple[list[Member], dict[tuple[str, str], str]]:
    """Every improvement with what it serves and its programme; the contributions they expect,
    by (improvement, objective)."""
    serves: dict[int, list[str]] = defaultdict(list)
    programme: dict[int, str] = {}
    said: dict[tuple[str, str], str] = {}
    for link in all_links(session):
        if link.kind == SERVES:
            serves[link.improvement_id].append(link.key)
            said[(format_id(link.improvement_id), link.key)] = link.contribution
        elif link.kind == PROGRAMME:
            programme[link.improvement_id] = link.key
    members = [
        Member(format_id(i), title, status, cost, tuple(serves[i]), programme.get(i))
        for i, title, status, cost in portfolio_rows(session)
    ]
    return members, said


def _shown(member: Member, contribution: str = "") -> PortfolioImprovement:
    return PortfolioImprovement(
        id=member.id,
        title=member.title,
        status=member.status,
        estimated_cost=member.estimated_cost,
        contribution=contribution,
    )


def _objective(
    goal: str,
    goal_title: str,
    objective: ObjectiveOut,
    members: list[Member],
    said: dict[tuple[str, str], str],
) -> PortfolioObjective:
    serving = rules.serving(objective.key, members)
    return PortfolioObjective(
        key=objective.key,
        title=objective.title,
        owner=objective.owner,
        goal=goal,
        goal_title=goal_title,
        by_stage=rules.by_stage(serving),
        improvements=[_shown(m, said.get((m.id, objective.key), "")) for m in serving],
        key_results=objective.key_results,
    )


def _unserved(strategy: StrategyOut, members: list[Member]) -> list[ObjectiveRef]:
    every = {o.key: (o, g.key) for g in strategy.goals for o in g.objectives}
    return [
        ObjectiveRef(key=key, title=every[key][0].title, goal=every[key][1])
        for key in rules.unserved(list(every), members)
    ]


def _programme(
    key: str, title: str, owner: str, budget: float, members: list[Member]
) -> PortfolioProgramme:
    belonging = rules.of_programme(key, members)
    spend = rules.spend(budget, belonging)
    return PortfolioProgramme(
        key=key,
        title=title,
        owner=owner,
        budget=budget,
        cost=spend.cost,
        remaining=spend.remaining,
        not_estimated=spend.not_estimated,
        over_budget=spend.over_budget,
        improvements=[_shown(m) for m in belonging],
    )
