"""An improvement's benefit lines, as its file declares them (``benefits:``): what kind of
benefit, recurring or one-off, in which currency, and the amount forecast per quarter. The
forecast is part of the plan: it is what the plan was approved with, and cannot change once
the plan went for approval.

A quarter is written ``2027Q1`` (January to March 2027). Money is in the organisation's
currency (``currency:`` in strategy.yaml, EUR when it says none) unless a line names another
ISO 4217 code, which strategy.yaml must then give a rate for (``rates: {USD: 0.92}``: one US
dollar is 0.92 of the organisation's currency). A line may be measured rather than recorded:
``measured_from: {objective: METRIC, rate: R}`` (``benefit_figures.measured_amount``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ci_workflow.domain.strategy.currencies import DEFAULT_CURRENCY, known_currency
from ci_workflow.domain.text import ONE_LINE

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Metric = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Money = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Short = Annotated[str, Field(max_length=200), ONE_LINE]
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
MAX_LINES, MAX_QUARTERS = 20, 40


class BenefitKind(StrEnum):
    hard_saving = "hard_saving"
    cost_avoidance = "cost_avoidance"
    time_saved = "time_saved"
    revenue = "revenue"
    risk_reduction = "risk_reduction"


def parse_quarter(text: str) -> tuple[int, int]:
    """``2027Q1`` as (2027, 1); anything else a ``ValueError`` saying what is expected."""
    found = QUARTER.match(text.strip().upper()) if isinstance(text, str) else None
    if found is None or not 1970 <= int(found[1]) <= 2200:
        raise ValueError(f"{text!r} is not a quarter: write the year and quarter, e.g. 2027Q1")
    return int(found[1]), int(found[2])


def quarter(text: str) -> str:
    """A quarter as the register keeps it: ``2027q1`` reads as ``2027Q1``."""
    year, number = parse_quarter(text)
    return f"{year}Q{number}"


def quarter_of(moment: date | datetime) -> str:
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def quarter_bounds(text: str) -> tuple[datetime, datetime]:
    """The quarter's first moment and the next quarter's first moment (UTC): [start, end)."""
    year, number = parse_quarter(text)
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC)
        if number == 4
        else start.replace(month=start.month + 3)
    )
    return start, end


def _money_context(info: ValidationInfo) -> tuple[str, dict[str, float]] | None:
    """The organisation's currency and rates, when the validation context holds the strategy."""
    keys = (info.context or {}).get("strategy")
    if keys is None or not hasattr(keys, "currency"):
        return None
    return keys.currency, dict(keys.rates)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeasuredFromSpec(_Strict):
    """The line's actual per quarter, measured: the improvement's objective ``objective``
    (its metric) bettered against its baseline, times ``rate`` (money per unit)."""

    objective: Metric
    rate: Money


class BenefitLineSpec(_Strict):
    key: Key
    kind: BenefitKind
    recurring: bool = Field(default=True, strict=True)
    currency: str | None = None
    description: Short = ""
    forecast: Annotated[dict[str, Money], Field(max_length=MAX_QUARTERS)] = Field(
        default_factory=dict
    )
    measured_from: MeasuredFromSpec | None = None

    @field_validator("currency")
    @classmethod
    def _currency_known(cls, code: str | None, info: ValidationInfo) -> str | None:
        if code is None:
            return None
        known_currency(code)
        money = _money_context(info)
        if money is not None and code != money[0] and code not in money[1]:
            raise ValueError(
                f"no rate for {code} in strategy.yaml (rates: {{{code}: …}}); the "
                f"organisation's currency is {money[0]}"
            )
        return code

    @field_validator("forecast", mode="before")
    @classmethod
    def _quarters(cls, forecast: Any) -> Any:
        if not isinstance(forecast, dict):
            return forecast
        return {quarter(str(q)): amount for q, amount in forecast.items()}

    @model_validator(mode="after")
    def _one_off_once(self) -> BenefitLineSpec:
        if not self.recurring and len(self.forecast) > 1:
            raise ValueError("a one-off benefit (recurring: false) is forecast in one quarter")
        return self


def check_lines(lines: list[BenefitLineSpec], info: ValidationInfo) -> list[BenefitLineSpec]:
    """Each line's key once; a measured line names one of the improvement's objectives."""
    seen: set[str] = set()
    objectives = info.data.get("objectives")
    metrics = {o.metric for o in objectives} if isinstance(objectives, list) else None
    for line in lines:
        if line.key in seen:
            raise ValueError(f"benefit line {line.key!r} appears twice")
        seen.add(line.key)
        measured = line.measured_from
        if measured is not None and metrics is not None and measured.objective not in metrics:
            raise ValueError(
                f"{line.key}: measured_from names {measured.objective!r}, which is not one of "
                "this improvement's objectives' metrics"
            )
    return lines


Benefits = Annotated[
    list[BenefitLineSpec], Field(max_length=MAX_LINES), AfterValidator(check_lines)
]


def line_currency(line: BenefitLineSpec, organisation: str = DEFAULT_CURRENCY) -> str:
    return line.currency or organisation


def benefits_text(benefits: object) -> str:
    """``benefits`` as the form's field shows it: the list in YAML."""
    if not isinstance(benefits, list) or not benefits:
        return ""
    return yaml.safe_dump(benefits, sort_keys=False, allow_unicode=True, width=100)


def benefits_of(text: str) -> object:
    """The form's ``benefits`` field read back (``ValueError`` when it is not YAML)."""
    try:
        found = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not YAML: {str(error).splitlines()[0]}") from None
    return found


# A line as the register keeps it, comparable with what a file wants: (key, kind, recurring,
# currency, description, forecast as sorted (quarter, amount) pairs, measured metric, rate).
LineRow = tuple[
    str, str, bool, str | None, str, tuple[tuple[str, float], ...], str | None, float | None
]


def line_rows(lines: list[BenefitLineSpec]) -> list[LineRow]:
    return [
        (
            line.key,
            str(line.kind),
            line.recurring,
            line.currency,
            line.description,
            tuple(sorted(line.forecast.items())),
            line.measured_from.objective if line.measured_from else None,
            line.measured_from.rate if line.measured_from else None,
        )
        for line in lines
    ]


def lines_shown(rows: list[LineRow]) -> str:
    """The lines as the audit trail shows them: key, kind and forecast total."""
    return ", ".join(f"{r[0]} ({r[1]}, {sum(a for _, a in r[5]):g})" for r in rows) or "none"


def line_document(row: LineRow) -> dict[str, Any]:
    """A line the register keeps as its file writes it: defaults left out, whole amounts whole."""
    key, kind, recurring, currency, said, forecast, metric, rate = row

    def whole(amount: float) -> float | int:
        return int(amount) if float(amount).is_integer() else amount

    document: dict[str, Any] = {"key": key, "kind": kind}
    document |= {} if recurring else {"recurring": False}
    document |= {"currency": currency} if currency else {}
    document |= {"description": said} if said else {}
    document["forecast"] = {q: whole(a) for q, a in forecast}
    if metric is not None and rate is not None:
        document["measured_from"] = {"objective": metric, "rate": whole(rate)}
    return document
