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
    source: str = ""  # the kind of source a capture reads it from; "": recorded by hand
    failed_at: datetime | None = None  # its latest capture failed: when, and why
    failure: str | None = None


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


class QuarterCapacity(BaseModel):
    """What strategy.yaml gives the improvement work in one quarter."""

    quarter: str  # 2027Q1
    hours: float
    budget: float


class StrategyOut(BaseModel):
    version: int | None = None  # None: no strategy applied yet
    applied_at: datetime | None = None
    applied_by: str | None = None
    goals: list[GoalOut] = []
    programmes: list[ProgrammeOut] = []
    capacity: list[QuarterCapacity] = []  # per quarter, in order
    currency: str = "EUR"  # the organisation's (ISO 4217): budgets and capacity are in it


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


class QuarterLoad(BaseModel):
    """A quarter's capacity (from strategy.yaml) against the demand placed in it."""

    quarter: str  # 2027Q1
    hours: float | None  # capacity; None: strategy.yaml gives none for this quarter
    budget: float | None
    demand_hours: float  # the estimated hours of the improvements placed in it
    demand_cost: float  # their estimated costs
    over_hours: float  # demand beyond capacity (0 within it)
    over_budget: float
    improvements: list[str]
    not_estimated: int  # placed in it without estimated hours or cost


class PortfolioOut(BaseModel):
    version: int | None = None  # the strategy's; None: none applied yet
    objectives: list[PortfolioObjective] = []
    unserved: list[ObjectiveRef] = []
    programmes: list[PortfolioProgramme] = []
    benefits: PortfolioBenefits = PortfolioBenefits()  # forecast vs validated actual
    capacity: list[QuarterLoad] = []  # per quarter, in order
    not_placed: list[str] = []  # improvements in play with no due date to place them


class PlanItem(BaseModel):
    id: str
    title: str
    estimated_cost: float | None
    estimated_hours: float | None
    value: float | None  # by the plan's measure


class PlanLeftOut(PlanItem):
    reason: str


class PortfolioPlan(BaseModel):
    """The proposal of ``improve portfolio plan``: the chosen set maximising the measure
    within the budget and hours, and what was left out and why."""

    measure: str  # "value" (expected gain) or "wsjf" (WSJF score)
    quarter: str | None
    budget: float
    hours: float
    committed_cost: float = 0.0  # with a quarter: what improvements past choosing already take
    committed_hours: float = 0.0
    chosen: list[PlanItem]
    left_out: list[PlanLeftOut]
    total_cost: float
    total_hours: float
    total_value: float
    accepted_by: str | None = None  # set once a CI manager accepted it
    currency: str = "EUR"  # the organisation's: budget, costs and gains are in it


class AcceptedPlan(BaseModel):
    """A plan a CI manager accepted, as the audit recorded it."""

    at: datetime
    by: str
    channel: str | None
    detail: str  # the ids chosen, the constraints and the value reached


class StrategyDocument(BaseModel):
    """The strategy file in force as the workspace's editor shows it."""

    version: int | None = None  # None: no strategy applied yet
    applied_by: str | None = None
    document: str  # its YAML; key results' source secrets masked (``***``)
    masked: bool = False  # secrets were masked: the file is shown rewritten, comments dropped
