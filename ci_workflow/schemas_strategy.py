"""Shapes of the strategy and the portfolio, as the CLI, the pages and their JSON twins show."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from ci_workflow.schemas_benefits import PortfolioBenefits


class StrategyLink(BaseModel):
    """A strategic objective an improvement serves (with the contribution it expects), or
    its programme; ``title`` empty if the strategy no longer holds the key."""

    kind: str  # "serves" or "programme"
    key: str
    title: str = ""
    contribution: str = ""


class ItemChangeOut(BaseModel):
    kind: str
    key: str
    outcome: str  # "created", "updated", "unchanged" or "removed"
    changed: list[str] = []


class StrategyApplied(BaseModel):
    version: int | None  # None: nothing changed, no version was added
    changes: list[ItemChangeOut]


class KeyResultOut(BaseModel):
    key: str
    title: str
    owner: str
    metric: str
    unit: str
    baseline: float
    target: float
    direction: str
    due: date
    latest: float | None = None
    latest_at: datetime | None = None
    achieved_pct: float | None = None  # share of the way from baseline to target, in %
    track: str = "unknown"  # "met", "on track", "off track" or "unknown"


class ObjectiveOut(BaseModel):
    key: str
    title: str
    owner: str
    goal: str
    key_results: list[KeyResultOut] = []
    served_by: list[str] = []  # improvements (IMP-0001) that serve it


class GoalOut(BaseModel):
    key: str
    title: str
    owner: str
    objectives: list[ObjectiveOut] = []


class ProgrammeOut(BaseModel):
    key: str
    title: str
    owner: str
    budget: float
    improvements: list[str] = []


class StrategyOut(BaseModel):
    version: int | None = None  # None: no strategy applied yet
    applied_at: datetime | None = None
    applied_by: str | None = None
    goals: list[GoalOut] = []
    programmes: list[ProgrammeOut] = []


class PortfolioImprovement(BaseModel):
    id: str  # IMP-0001
    title: str
    status: str
    estimated_cost: float | None = None
    contribution: str = ""  # what it expects to bring to the objective, in words


class PortfolioObjective(BaseModel):
    key: str
    title: str
    owner: str
    goal: str
    goal_title: str
    by_stage: dict[str, int]  # improvements serving it per stage (rejected, withdrawn left out)
    improvements: list[PortfolioImprovement]
    key_results: list[KeyResultOut]


class ObjectiveRef(BaseModel):
    key: str
    title: str
    goal: str


class PortfolioProgramme(BaseModel):
    key: str
    title: str
    owner: str
    budget: float
    cost: float  # its improvements' estimated costs, summed
    remaining: float  # budget - cost, below zero over budget
    not_estimated: int  # its improvements without an estimated cost
    over_budget: bool
    improvements: list[PortfolioImprovement]


class PortfolioOut(BaseModel):
    version: int | None = None  # the strategy's; None: none applied yet
    objectives: list[PortfolioObjective] = []
    unserved: list[ObjectiveRef] = []
    programmes: list[PortfolioProgramme] = []
    benefits: PortfolioBenefits = PortfolioBenefits()  # forecast vs validated actual
