"""The improvement-as-code file: its schema and every check that runs before anything is written.

``ImprovementSpec.model_validate(data, context={"people": Directory, ...})`` checks the shape
(types, unknown fields, ranges), the people it names, and that every objective is SMART. All
problems come back together, each with its field path (see ``describe_errors``).
Long: the whole schema in one place, read as one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.clock import CLOCK_SKEW, as_moment, utcnow
from ci_workflow.domain.improvement.smart import beyond
from ci_workflow.domain.improvement.sources import MetricSource, Name, Text
from ci_workflow.domain.measures.sustainment import parse_keep, parse_sustain
from ci_workflow.domain.measures.window import checked_window
from ci_workflow.domain.strategy.benefits import Benefits
from ci_workflow.domain.strategy.serves import Programme, Serves
from ci_workflow.domain.text import MULTI_LINE, ONE_LINE
from ci_workflow.domain.vocabulary import (
    ActionStatus,
    Direction,
    ImprovementType,
    KpiKind,
    OpportunitySource,
    Role,
)

# Numbers as numbers: ``true`` is not 1, and a quoted "3" is text.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Money = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Score = Annotated[int, Field(strict=True, ge=1, le=5)]
Prose = Annotated[str, Field(max_length=20_000), MULTI_LINE]  # a description, not a document
Short = Annotated[str, Field(max_length=200), ONE_LINE]
Line = Annotated[Name, ONE_LINE]  # a title, a name: one printable line

# How much one improvement may hold: enough for any real one, and bounded for every page.
MAX_OBJECTIVES, MAX_ACTIONS, MAX_TEAM = 50, 200, 100

DEFAULT_CHECKPOINT_CRON = "0 6 * * 1"  # weekly, Monday 06:00 UTC


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the improvement itself ---


class ObjectiveSpec(_Strict):
    """One SMART target: what is measured, from where, from which baseline to what, by when."""

    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    description: Prose = ""
    unit: Short = ""
    window: str = "7d"
    source: MetricSource
    baseline: Number | Literal["measure"]
    target: Number
    direction: Direction
    due: date
    kpi_kind: KpiKind = KpiKind.other
    # Process efficiency as output ÷ input: the metric of the objective measuring the input.
    input: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] | None = None

    @field_validator("window")
    @classmethod
    def _window_shape(cls, window: str) -> str:
        return checked_window(window)

    @field_validator("due")
    @classmethod
    def _due_after_identification(cls, due: date, info: ValidationInfo) -> date:
        identified = (info.context or {}).get("identified")
        if isinstance(identified, date) and due <= identified:
            raise ValueError(f"due date {due} must be after the identification date {identified}")
        return due

    @model_validator(mode="after")
    def _target_beyond_baseline(self) -> ObjectiveSpec:
        if isinstance(self.baseline, float) and not beyond(
            self.baseline, self.target, self.direction
        ):
            word = "above" if self.direction == Direction.increase else "below"
            raise ValueError(
                f"target {self.target:g} must be {word} the baseline {self.baseline:g} "
                f"to {self.direction}"
            )
        return self


class PlanActionSpec(_Strict):
    action: Annotated[Text, MULTI_LINE]
    owner: Line
    due: date | None = None
    status: ActionStatus = ActionStatus.planned
    # A change request this action depends on (change enablement), e.g. CHG0001234.
    change: Annotated[str, Field(pattern=r"^[A-Za-z0-9][\w.-]{0,63}$")] | None = None

    @field_validator("owner")
    @classmethod
    def _owner_known(cls, owner: str, info: ValidationInfo) -> str:
        return _known_person(owner, info)


WsjfScore = Annotated[int, Field(strict=True, ge=1, le=20)]


class WsjfSpec(_Strict):
    """Weighted shortest job first: (business value + time criticality + risk reduction) ÷ effort,
    each scored on the same relative scale (e.g. 1, 2, 3, 5, 8, 13, 20)."""

    business_value: WsjfScore
    time_criticality: WsjfScore
    risk_reduction: WsjfScore
    effort: WsjfScore


class CheckpointSpec(_Strict):
    """How often checkpoints capture the objectives while the improvement executes."""

    cron: str = DEFAULT_CHECKPOINT_CRON

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, cron: str) -> str:
        from datetime import UTC, datetime

        from cronsim import CronSim, CronSimError

        try:
            CronSim(cron, datetime.now(UTC))
        except CronSimError as error:
            raise ValueError(f"not a cron expression: {error}") from None
        return cron


class ImprovementSpec(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    title: Line
    description: Prose = ""
    type: ImprovementType
    source: OpportunitySource = OpportunitySource.other
    process: Line
    service: Line | None = None
    vision: Prose = ""
    current_state: Prose = ""
    scope: Prose = ""
    owner: Line
    # Omitted: the one person registered as process owner of ``process``.
    process_owner: Line | None = Field(default=None, validate_default=True)
    team: Annotated[list[Line], Field(max_length=MAX_TEAM)] = Field(default_factory=list)
    strategic_impact: Score
    feasibility: Score
    estimated_cost: Money | None = None
    estimated_hours: Money | None = None
    expected_gain: Money | None = None
    identified: date | None = None
    # When execution really started (a date is its midnight UTC), for an improvement replayed on
    # history: measurements split into before and after here. Omitted: when its trail shows it
    # first moved to executing (see ``execution_start``).
    started: datetime | date | None = None
    objectives: Annotated[list[ObjectiveSpec], Field(max_length=MAX_OBJECTIVES)] = Field(
        default_factory=list
    )
    plan: Annotated[list[PlanActionSpec], Field(max_length=MAX_ACTIONS)] = Field(
        default_factory=list
    )
    checkpoints: CheckpointSpec = Field(default_factory=CheckpointSpec)
    # How long after closing the objectives keep being measured: did the gain hold?
    sustain: str = "90d"
    # How much of each objective's gain a measurement after closing must keep, else regressed.
    sustain_keep: str = "50%"
    # The review sign-off needs a service owner of ``service`` to co-sign it too.
    service_owner_signoff: bool = False
    wsjf: WsjfSpec | None = None
    serves: Serves = Field(default_factory=list)  # see ``domain.strategy.serves``
    programme: Programme | None = None
    benefits: Benefits = Field(default_factory=list)  # see domain.strategy.benefits

    @field_validator("service_owner_signoff")
    @classmethod
    def _cosign_needs_a_service(cls, cosign: bool, info: ValidationInfo) -> bool:
        if cosign and not info.data.get("service"):
            raise ValueError("a service owner can co-sign only an improvement with a service")
        return cosign

    @field_validator("sustain", "sustain_keep", mode="before")
    @classmethod
    def _sustainment(cls, text: object, info: ValidationInfo) -> object:
        parse = parse_sustain if info.field_name == "sustain" else parse_keep
        parse(text.strip() if isinstance(text, str) else repr(text))  # says what is wrong
        return text

    @field_validator("owner")
    @classmethod
    def _owner_known(cls, owner: str, info: ValidationInfo) -> str:
        return _known_person(owner, info)

    @field_validator("team")
    @classmethod
    def _team_known(cls, team: list[str], info: ValidationInfo) -> list[str]:
        unknown = [member for member in team if _directory(info) and not _find(member, info)]
        if unknown:
            raise ValueError(f"unknown people: {', '.join(unknown)}")
        return [_known_person(member, info) for member in team]

    @field_validator("process_owner")
    @classmethod
    def _process_owner_holds_role(cls, name: str | None, info: ValidationInfo) -> str | None:
        directory = _directory(info)
        process = info.data.get("process")
        if directory is None or process is None:
            return name
        if name is None:
            holders = directory.holders(Role.process_owner, process)
            if len(holders) != 1:
                found = "none is" if not holders else f"{len(holders)} are"
                raise ValueError(
                    f"not given, and {found} registered for process {process!r}; "
                    "name one, or add one with: improve people add NAME --email E "
                    f"--role 'process_owner:{process}'"
                )
            return holders[0].name
        person = directory.find(name)
        if person is None:
            raise ValueError(f"unknown person {name!r}")
        if not person.holds(Role.process_owner, process):
            raise ValueError(f"{person.name} is not a process owner of {process!r}")
        return person.name

    @field_validator("started")
    @classmethod
    def _started_when_it_could(
        cls, started: datetime | date | None, info: ValidationInfo
    ) -> datetime | date | None:
        if started is None:
            return None
        if as_moment(started) > utcnow() + CLOCK_SKEW:
            raise ValueError(f"{started} is in the future: give when execution started")
        identified = (info.context or {}).get("identified")
        if isinstance(identified, date) and as_moment(started).date() < identified:
            raise ValueError(f"{started} is before the identification date {identified}")
        return started

    @property
    def started_at(self) -> datetime | None:
        """``started`` as an aware UTC moment."""
        return None if self.started is None else as_moment(self.started)

    @field_validator("objectives")
    @classmethod
    def _metrics_unique(cls, objectives: list[ObjectiveSpec]) -> list[ObjectiveSpec]:
        seen: set[str] = set()
        for objective in objectives:
            if objective.metric in seen:
                raise ValueError(f"metric {objective.metric!r} appears twice")
            seen.add(objective.metric)
        for o in objectives:
            if o.input is not None and (o.input == o.metric or o.input not in seen):
                raise ValueError(f"{o.metric}: input {o.input!r} is not another objective's metric")
            if o.input is not None and o.kpi_kind != KpiKind.process_efficiency:
                raise ValueError(f"{o.metric}: an input is only for kpi_kind process_efficiency")
        return objectives


def _directory(info: ValidationInfo) -> Directory | None:
    directory = (info.context or {}).get("people")
    return directory if isinstance(directory, Directory) else None


def _find(ref: str, info: ValidationInfo) -> str | None:
    directory = _directory(info)
    person = directory.find(ref) if directory else None
    return person.name if person else None


def _known_person(ref: str, info: ValidationInfo) -> str:
    """Return the person's registered name; without a directory in context, accept as written."""
    if _directory(info) is None:
        return ref
    name = _find(ref, info)
    if name is None:
        raise ValueError(f"unknown person {ref!r} (add them with: improve people add)")
    return name
