"""Benefits over time as the CLI, the API and the pages show them: an improvement's lines per
quarter, and the portfolio's forecast against validated actual per objective and programme.
Amounts are in the line's currency where a line is shown, and in the organisation's currency
(``currency``) wherever lines are added up."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BenefitCellOut(BaseModel):
    quarter: str
    forecast: float | None = None
    actual: float | None = None
    state: str | None = None  # recorded, validated, rejected; None: no actual
    source: str | None = None  # recorded or measured
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    note: str | None = None
    decided_by: str | None = None
    reason: str | None = None


class BenefitLineOut(BaseModel):
    key: str
    kind: str
    recurring: bool
    currency: str
    rate: float | None = None  # into the organisation's currency; None: strategy.yaml has none
    description: str = ""
    measured_from: str | None = None  # "mttr_hours × 80 per unit"
    cells: list[BenefitCellOut] = []
    forecast: float = 0.0  # in the line's currency
    validated: float = 0.0


class ImprovementBenefits(BaseModel):
    id: str
    currency: str  # the organisation's
    lines: list[BenefitLineOut] = []
    forecast: float = 0.0  # in the organisation's currency, every line
    validated: float = 0.0
    waiting: float = 0.0  # recorded or measured, not validated yet
    programme: str | None = None
    serves: list[str] = []


class QuarterFigures(BaseModel):
    quarter: str
    forecast: float
    validated: float


class BenefitFigures(BaseModel):
    """Forecast against validated actual, in the organisation's currency."""

    key: str
    title: str
    forecast: float = 0.0
    validated: float = 0.0
    waiting: float = 0.0
    quarters: list[QuarterFigures] = []
    improvements: list[str] = []  # those counted, IMP-0001
    budget: float | None = None  # a programme's
    validated_share_of_budget: float | None = None  # validated ÷ budget


class PortfolioBenefits(BaseModel):
    currency: str = "EUR"
    split_rule: str = ""
    objectives: list[BenefitFigures] = []
    programmes: list[BenefitFigures] = []
