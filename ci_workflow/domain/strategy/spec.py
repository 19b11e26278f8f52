"""Strategy as code: the ``strategy.yaml`` schema, checked before anything is written.

Goals hold objectives, objectives hold key results: the tree is written nested, so every item
has exactly one parent and a cycle cannot be written at all. Programmes sit beside the goals
(a named group of improvements with an owner and a budget). Every key is unique across the
whole file (goals, objectives, key results and programmes share one namespace), so a key
names one thing wherever an improvement file or a command refers to it.

``StrategySpec.model_validate(data, context={"people": Directory})`` checks the shape, the
people named as owners, and that each key result's target lies beyond its baseline.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.improvement.smart import beyond
from ci_workflow.domain.improvement.sources import MetricSource, Name, is_fetched
from ci_workflow.domain.improvement.spec import CheckpointSpec
from ci_workflow.domain.measures.window import checked_window
from ci_workflow.domain.strategy.capacity import Capacity
from ci_workflow.domain.strategy.currencies import DEFAULT_CURRENCY, known_currency
from ci_workflow.domain.text import ONE_LINE
from ci_workflow.domain.vocabulary import Direction

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Line = Annotated[Name, ONE_LINE]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Money = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Unit = Annotated[str, Field(max_length=32), ONE_LINE]
Metric = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Currency = Annotated[str, AfterValidator(known_currency)]
Rate = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]

# Enough for any organisation's strategy, bounded for every page that shows it.
MAX_GOALS, MAX_OBJECTIVES, MAX_KEY_RESULTS, MAX_PROGRAMMES = 20, 30, 20, 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Owned(_Strict):
    key: Key
    title: Line
    owner: Line

    @field_validator("owner")
    @classmethod
    def _owner_known(cls, owner: str, info: ValidationInfo) -> str:
        directory = (info.context or {}).get("people")
        if not isinstance(directory, Directory):
            return owner
        person = directory.find(owner)
        if person is None:
            raise ValueError(f"unknown person {owner!r} (add them with: improve people add)")
        return person.name


class KeyResultSpec(_Owned):
    """A measurable result that says how far an objective got: from its baseline to its
    target by its due date."""

    metric: Metric
    unit: Unit = ""
    baseline: Number
    target: Number
    direction: Direction
    due: date
    # Measured like an improvement objective: from this source, over the window ending at each
    # checkpoint its cadence calls for. None (or kind manual): recorded by hand.
    source: MetricSource | None = None
    window: Annotated[str, AfterValidator(checked_window)] = "7d"
    checkpoints: CheckpointSpec = Field(default_factory=CheckpointSpec)

    @model_validator(mode="after")
    def _measured_by_a_source(self) -> KeyResultSpec:
        fetched = self.source is not None and is_fetched(self.source)
        given = sorted({"window", "checkpoints"} & self.model_fields_set)
        if given and not fetched:
            raise ValueError(f"{' and '.join(given)}: only with a source a capture reads")
        return self

    @model_validator(mode="after")
    def _target_beyond_baseline(self) -> KeyResultSpec:
        if not beyond(self.baseline, self.target, self.direction):
            word = "above" if self.direction == Direction.increase else "below"
            raise ValueError(
                f"target {self.target:g} must be {word} the baseline {self.baseline:g} "
                f"to {self.direction}"
            )
        return self


class StrategicObjectiveSpec(_Owned):
    key_results: Annotated[list[KeyResultSpec], Field(max_length=MAX_KEY_RESULTS)] = Field(
        default_factory=list
    )


class GoalSpec(_Owned):
    objectives: Annotated[list[StrategicObjectiveSpec], Field(max_length=MAX_OBJECTIVES)] = Field(
        default_factory=list
    )


class ProgrammeSpec(_Owned):
    budget: Money


class StrategySpec(_Strict):
    currency: Currency = DEFAULT_CURRENCY  # see domain.strategy.benefits
    rates: Annotated[dict[Currency, Rate], Field(max_length=50)] = Field(default_factory=dict)
    goals: Annotated[list[GoalSpec], Field(max_length=MAX_GOALS)] = Field(default_factory=list)
    programmes: Annotated[list[ProgrammeSpec], Field(max_length=MAX_PROGRAMMES)] = Field(
        default_factory=list
    )
    capacity: Capacity = Field(default_factory=list)  # see ``domain.strategy.capacity``

    @model_validator(mode="after")
    def _keys_unique(self) -> StrategySpec:
        seen: dict[str, str] = {}
        for path, item in self.items():
            if item.key in seen:
                raise ValueError(f"{path}.key: {item.key!r} is already the key of {seen[item.key]}")
            seen[item.key] = path
        return self

    def items(self) -> Iterator[tuple[str, _Owned]]:
        """Every item with the path it was written at, parents before their children."""
        for g, goal in enumerate(self.goals):
            yield f"goals[{g}]", goal
            for o, objective in enumerate(goal.objectives):
                yield f"goals[{g}].objectives[{o}]", objective
                for k, result in enumerate(objective.key_results):
                    yield f"goals[{g}].objectives[{o}].key_results[{k}]", result
        for p, programme in enumerate(self.programmes):
            yield f"programmes[{p}]", programme

    def objective_keys(self) -> set[str]:
        return {o.key for goal in self.goals for o in goal.objectives}

    def programme_keys(self) -> set[str]:
        return {p.key for p in self.programmes}
