"""An improvement file as the register's rows: the fields copied, the people resolved to ids,
objectives and plan actions built, and objectives updated in place so their history stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.changes import OTHER_OBJECTIVE_FIELDS, TARGET_FIELDS
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.people import Directory
from ci_workflow.domain.spec import ImprovementSpec, ObjectiveSpec
from ci_workflow.domain.sustainment import parse_sustain
from ci_workflow.metrics.placement import placed
from ci_workflow.store.tables import Improvement, Objective, PlanAction

# Scalar fields copied from the file to the register as they are.
COPIED = (
    "title", "description", "type", "source", "process", "service", "vision", "current_state",
    "scope", "strategic_impact", "feasibility", "estimated_cost", "expected_gain",
    "checkpoint_cron", "wsjf_business_value", "wsjf_time_criticality", "wsjf_risk_reduction",
    "wsjf_effort", "sustain_days", "service_owner_signoff",
)  # fmt: skip


def from_spec(spec: ImprovementSpec, field: str) -> Any:
    if field == "checkpoint_cron":
        return spec.checkpoints.cron
    if field == "sustain_days":
        return parse_sustain(spec.sustain)
    if field.startswith("wsjf_"):
        return getattr(spec.wsjf, field.removeprefix("wsjf_")) if spec.wsjf else None
    return getattr(spec, field)


def person_id(directory: Directory, name: str) -> int:
    person = directory.find(name)
    assert person is not None, "validation resolved every person"
    return person.id


@dataclass(frozen=True)
class Wanted:
    """What the file asks for, as the register's rows and ids."""

    owner_id: int
    process_owner_id: int
    team_ids: list[int]
    objectives: list[Objective]
    plan: list[PlanAction]


def rows_of(
    improvement_id: int, spec: ImprovementSpec, source: str, directory: Directory
) -> Wanted:
    assert spec.process_owner is not None, "validation derives the process owner"
    base = Path(source).parent
    return Wanted(
        owner_id=person_id(directory, spec.owner),
        process_owner_id=person_id(directory, spec.process_owner),
        team_ids=[person_id(directory, m) for m in spec.team],
        objectives=[
            objective_row(improvement_id, i, o, base) for i, o in enumerate(spec.objectives)
        ],
        plan=plan_rows(improvement_id, spec, directory),
    )


def copy_fields(improvement: Improvement, spec: ImprovementSpec, wanted: Wanted) -> None:
    for field in COPIED:
        setattr(improvement, field, from_spec(spec, field))
    improvement.owner_id, improvement.process_owner_id = wanted.owner_id, wanted.process_owner_id
    if spec.identified:
        improvement.identified_at = datetime.combine(
            spec.identified, datetime.min.time(), tzinfo=UTC
        )
    improvement.updated_at = utcnow()


def recorded_start(improvement: Improvement) -> datetime | None:
    """The start the register holds, as an aware UTC moment to compare with a file's."""
    return None if improvement.started_at is None else as_utc(improvement.started_at)


def objective_row(improvement_id: int, position: int, spec: ObjectiveSpec, base: Path) -> Objective:
    """``base`` is the folder of the file: a source's relative file path is read from there."""
    measured = spec.baseline == "measure"
    source = placed(spec.source.model_dump(mode="json"), base)
    return Objective(
        improvement_id=improvement_id,
        position=position,
        metric=spec.metric,
        description=spec.description,
        unit=spec.unit,
        window=spec.window,
        source=source,
        baseline=None if measured else float(spec.baseline),
        baseline_mode="measure" if measured else "value",
        target=spec.target,
        direction=spec.direction,
        due=spec.due,
        kpi_kind=spec.kpi_kind,
        input_metric=spec.input,
    )


def sync_objectives(session: Session, current: list[Objective], wanted: list[Objective]) -> None:
    """Update objectives in place by metric, so their snapshots stay attached. ``current``
    includes retired objectives: one the file drops is retired, never deleted (measured history
    stays), and one it names again comes back with its history."""
    have = {o.metric: o for o in current}
    keep = {o.metric for o in wanted}
    for objective in current:
        if objective.metric not in keep and objective.retired_at is None:
            objective.retired_at = utcnow()
            session.add(objective)
    session.flush()
    for new in wanted:
        old = have.get(new.metric)
        if old is None:
            session.add(new)
            continue
        old.retired_at = None
        measured = old.baseline_mode == "measure" and new.baseline_mode == "measure"
        for field in ("position", *TARGET_FIELDS, *OTHER_OBJECTIVE_FIELDS, "baseline_mode"):
            if field == "baseline" and measured:
                continue  # keep a baseline the define stage already captured
            setattr(old, field, getattr(new, field))
        session.add(old)
    session.flush()


def plan_rows(improvement_id: int, spec: ImprovementSpec, directory: Directory) -> list[PlanAction]:
    return [
        PlanAction(
            improvement_id=improvement_id,
            position=position,
            action=action.action,
            owner_id=person_id(directory, action.owner),
            due=action.due,
            status=action.status,
            change=action.change,
        )
        for position, action in enumerate(spec.plan)
    ]


def plan_fields(action: PlanAction) -> tuple[Any, ...]:
    return (action.action, action.owner_id, action.due, action.status, action.change)
