"""An improvement file as the register's rows: the fields copied, the people resolved to ids,
objectives and plan actions built, and objectives updated in place so their history stays.

Plain data, built before the register's write lock is taken and written in bulk under it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.improvement.plan_tasks import carried_over
from ci_workflow.domain.improvement.spec import ImprovementSpec, ObjectiveSpec
from ci_workflow.domain.measures.sustainment import parse_keep, parse_sustain
from ci_workflow.metrics.placement import placed

# Scalar fields copied from the file to the register as they are.
COPIED = (
    "title",
    "description",
    "type",
    "source",
    "process",
    "service",
    "vision",
    "current_state",
    "scope",
    "strategic_impact",
    "feasibility",
    "estimated_cost",
    "estimated_hours",
    "expected_gain",
    "checkpoint_cron",
    "wsjf_business_value",
    "wsjf_time_criticality",
    "wsjf_risk_reduction",
    "wsjf_effort",
    "sustain_days",
    "sustain_keep",
    "service_owner_signoff",
)


def from_spec(spec: ImprovementSpec, field: str) -> Any:
    if field == "checkpoint_cron":
        return spec.checkpoints.cron
    if field == "sustain_days":
        return parse_sustain(spec.sustain)
    if field == "sustain_keep":
        return parse_keep(spec.sustain_keep)
    if field.startswith("wsjf_"):
        return getattr(spec.wsjf, field.removeprefix("wsjf_")) if spec.wsjf else None
    return getattr(spec, field)


def person_id(directory: Directory, name: str) -> int:
    person = directory.find(name)
    assert person is not None, "validation resolved every person"
    return person.id


@dataclass  # not frozen: ``domain.improvement.field_diffs.ObjectiveDefinition`` has settable fields
class ObjectiveRow:
    """An objective as a file defines it: an ``Objective`` row without its ids."""

    position: int
    metric: str
    description: str
    unit: str
    window: str
    source: dict[str, Any]
    baseline: float | None
    baseline_mode: str
    target: float
    direction: str
    due: date
    kpi_kind: str
    input_metric: str | None


@dataclass(frozen=True)
class PlanRow:
    """A plan action as a file defines it: a ``PlanAction`` row without its ids."""

    position: int
    action: str
    owner_id: int
    due: date | None
    status: str
    change: str | None
    # Kept by the register, not written in the file (``with_history``).
    done_on: date | None = None
    reminded_due: date | None = None


def with_history(held: Sequence[Any], wanted: list[PlanRow]) -> list[PlanRow]:
    """The file's plan with what the register knew of each action: when it was done, and the
    due date its overdue reminder was sent for."""
    kept = carried_over(held, wanted, utcnow().date())
    return [
        replace(row, done_on=done, reminded_due=reminded)
        for row, (done, reminded) in zip(wanted, kept, strict=True)
    ]


@dataclass(frozen=True)
class Wanted:
    """What the file asks for, as the register's rows and ids."""

    owner_id: int
    process_owner_id: int
    team_ids: list[int]
    objectives: list[ObjectiveRow]
    plan: list[PlanRow]


def rows_of(spec: ImprovementSpec, source: str, directory: Directory) -> Wanted:
    assert spec.process_owner is not None, "validation derives the process owner"
    base = Path(source).parent
    return Wanted(
        owner_id=person_id(directory, spec.owner),
        process_owner_id=person_id(directory, spec.process_owner),
        team_ids=[person_id(directory, m) for m in spec.team],
        objectives=[objective_row(i, o, base) for i, o in enumerate(spec.objectives)],
        plan=plan_rows(spec, directory),
    )


def recorded_start(improvement: Any) -> datetime | None:
    """The start the register holds, as an aware UTC moment to compare with a file's."""
    started: datetime | None = improvement.started_at
    return None if started is None else as_utc(started)


def objective_row(position: int, spec: ObjectiveSpec, base: Path) -> ObjectiveRow:
    """``base`` is the folder of the file: a source's relative file path is read from there."""
    measured = spec.baseline == "measure"
    return ObjectiveRow(
        position=position,
        metric=spec.metric,
        description=spec.description,
        unit=spec.unit,
        window=spec.window,
        source=placed(spec.source.model_dump(mode="json"), base),
        baseline=None if measured else float(spec.baseline),
        baseline_mode="measure" if measured else "value",
        target=spec.target,
        direction=spec.direction,
        due=spec.due,
        kpi_kind=spec.kpi_kind,
        input_metric=spec.input,
    )


@dataclass(frozen=True)
class ObjectiveSync:
    """How an improvement's objectives become the file's: ids to retire, rows to update by id,
    rows to insert (without their improvement's id)."""

    retire: list[int]
    update: list[dict[str, Any]]
    insert: list[dict[str, Any]]


def objective_sync(current: Sequence[Any], wanted: list[ObjectiveRow]) -> ObjectiveSync:
    """Objectives updated in place by metric, so their snapshots stay attached. ``current``
    includes retired objectives: one the file drops is retired, never deleted (measured history
    stays), and one it names again comes back with its history."""
    have = {o.metric: o for o in current}
    keep = {o.metric for o in wanted}
    retire = [o.id for o in current if o.metric not in keep and o.retired_at is None]
    update: list[dict[str, Any]] = []
    insert: list[dict[str, Any]] = []
    for new in wanted:
        values = asdict(new)
        old = have.get(new.metric)
        if old is None:
            insert.append(values)
            continue
        if old.baseline_mode == "measure" and new.baseline_mode == "measure":
            values["baseline"] = old.baseline  # keep a baseline the define stage already captured
        if old.retired_at is None and all(getattr(old, k) == v for k, v in values.items()):
            continue  # as the file has it already: nothing to write under the lock
        update.append({"id": old.id, **values, "retired_at": None})
    return ObjectiveSync(retire, update, insert)


def plan_rows(spec: ImprovementSpec, directory: Directory) -> list[PlanRow]:
    return [
        PlanRow(
            position=position,
            action=action.action,
            owner_id=person_id(directory, action.owner),
            due=action.due,
            status=action.status,
            change=action.change,
        )
        for position, action in enumerate(spec.plan)
    ]


def plan_fields(action: Any) -> tuple[Any, ...]:
    """A plan action, stored (a row) or wanted (a ``PlanRow``), as what a file defines of it."""
    return (action.action, action.owner_id, action.due, action.status, action.change)
