"""Improvement as code: ``improve apply FILE...`` creates or updates improvements from YAML.

Every file is read and validated before anything is written, and all of them are written in one
transaction: a problem anywhere means nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, delete

from ci_workflow.domain.lifecycle import EDITABLE_DEFINITION, TERMINAL, Status
from ci_workflow.domain.people import Directory
from ci_workflow.domain.spec import ImprovementSpec, ObjectiveSpec, describe_errors
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ChangeRefused, ValidationFailed
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people import load_directory
from ci_workflow.store.tables import Improvement, Objective, PlanAction
from ci_workflow.store.tables.common import utcnow


@dataclass(frozen=True)
class Applied:
    id: str
    key: str
    outcome: str  # "created", "updated" or "unchanged"
    changed: tuple[str, ...] = ()


# Scalar fields copied from the file to the register as they are.
_COPIED = (
    "title", "description", "type", "source", "process", "service", "vision", "current_state",
    "scope", "strategic_impact", "feasibility", "estimated_cost", "expected_gain",
    "checkpoint_cron", "wsjf_business_value", "wsjf_time_criticality", "wsjf_risk_reduction",
    "wsjf_effort",
)  # fmt: skip

# What the plan approval fixes: later changes would move the goalposts.
# Of an objective, its measurement and target are frozen; its source, description and KPI kind
# may still be corrected (a database moves, a query is fixed), and the change is audited.
_FROZEN_AFTER_APPROVAL = ("process", "process_owner", "objectives")
_TARGET_FIELDS = ("baseline", "target", "direction", "due", "window", "unit")
_TARGET_CHANGE = "objective "


def apply_files(paths: list[Path], *, actor: str) -> list[Applied]:
    documents = [(str(path), _read(path)) for path in paths]
    with transaction() as session:
        directory = load_directory(session)
        specs = _validate_all(session, documents, directory)
        return [_upsert(session, spec, source, directory, actor) for source, spec in specs]


def _from_spec(spec: ImprovementSpec, field: str) -> Any:
    if field == "checkpoint_cron":
        return spec.checkpoints.cron
    if field.startswith("wsjf_"):
        return getattr(spec.wsjf, field.removeprefix("wsjf_")) if spec.wsjf else None
    return getattr(spec, field)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValidationFailed(str(path), [f"{path}: cannot read: {reason}"]) from None


def _validate_all(
    session: Session, documents: list[tuple[str, str]], directory: Directory
) -> list[tuple[str, ImprovementSpec]]:
    problems: list[str] = []
    specs: list[tuple[str, ImprovementSpec]] = []
    seen_keys: dict[str, str] = {}
    for source, text in documents:
        try:
            data = load_mapping(text, source=source)
        except ValidationFailed as failed:
            problems.extend(f"{source}: {problem}" for problem in failed.problems)
            continue
        context = {"people": directory, "identified": _identified(session, data)}
        try:
            spec = ImprovementSpec.model_validate(data, context=context)
        except ValidationError as error:
            problems.extend(f"{source}: {line}" for line in describe_errors(error))
            continue
        if spec.key in seen_keys:
            problems.append(f"{source}: key: {spec.key!r} is also used by {seen_keys[spec.key]}")
        seen_keys[spec.key] = source
        specs.append((source, spec))
    if problems:
        where = documents[0][0] if len(documents) == 1 else f"{len(documents)} files"
        raise ValidationFailed(where, problems)
    return specs


def _identified(session: Session, data: dict[str, Any]) -> date:
    """The date objectives' due dates are checked against: the file's, the register's, or today."""
    if isinstance(data.get("identified"), date):
        return data["identified"]  # type: ignore[no-any-return]
    existing = store.find_by_key(session, str(data.get("key", "")))
    if existing is not None:
        return existing.identified_at.date()
    return utcnow().date()


def _upsert(
    session: Session, spec: ImprovementSpec, source: str, directory: Directory, actor: str
) -> Applied:
    existing = store.find_by_key(session, spec.key)
    if existing is None:
        return _create(session, spec, source, directory, actor)
    return _update(session, existing, spec, source, directory, actor)


def _person_id(directory: Directory, name: str) -> int:
    person = directory.find(name)
    assert person is not None, "validation resolved every person"
    return person.id


def _create(
    session: Session, spec: ImprovementSpec, source: str, directory: Directory, actor: str
) -> Applied:
    assert spec.process_owner is not None, "validation derives the process owner"
    identified = spec.identified or utcnow().date()
    improvement = Improvement(
        key=spec.key,
        **{field: _from_spec(spec, field) for field in _COPIED},
        owner_id=_person_id(directory, spec.owner),
        process_owner_id=_person_id(directory, spec.process_owner),
        status=Status.identified,
        identified_at=datetime.combine(identified, datetime.min.time(), tzinfo=UTC),
    )
    session.add(improvement)
    session.flush()
    assert improvement.id is not None
    store.set_team(session, improvement.id, [_person_id(directory, m) for m in spec.team])
    base = Path(source).parent
    session.add_all(
        _objective_row(improvement.id, i, o, base) for i, o in enumerate(spec.objectives)
    )
    _write_plan(session, improvement.id, spec, directory)
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor,
        action="created",
        to_status=Status.identified,
        detail=f"registered from {Path(source).name}",
    )
    return Applied(store.display_id(improvement), spec.key, "created")


def _update(
    session: Session,
    improvement: Improvement,
    spec: ImprovementSpec,
    source: str,
    directory: Directory,
    actor: str,
) -> Applied:
    assert improvement.id is not None and spec.process_owner is not None
    shown_id = store.display_id(improvement)
    if improvement.status in TERMINAL:
        raise ChangeRefused(f"{source}: {shown_id} is {improvement.status} and cannot be changed")

    changed = [f for f in _COPIED if getattr(improvement, f) != _from_spec(spec, f)]
    owner_id = _person_id(directory, spec.owner)
    process_owner_id = _person_id(directory, spec.process_owner)
    if owner_id != improvement.owner_id:
        changed.append("owner")
    if process_owner_id != improvement.process_owner_id:
        changed.append("process_owner")
    if spec.identified and spec.identified != improvement.identified_at.date():
        changed.append("identified")
    team_ids = [_person_id(directory, m) for m in spec.team]
    if {p.id for p in store.team_of(session, improvement.id)} != set(team_ids):
        changed.append("team")
    current_objectives = store.objectives_of(session, improvement.id)
    base = Path(source).parent
    wanted_objectives = [
        _objective_row(improvement.id, i, o, base) for i, o in enumerate(spec.objectives)
    ]
    objective_changes = _objective_changes(current_objectives, wanted_objectives)
    if objective_changes:
        changed.append("objectives")
    plan_rows = _plan_rows(0, spec, directory)
    if [_plan_fields(a) for a in store.plan_of(session, improvement.id)] != [
        _plan_fields(a) for a in plan_rows
    ]:
        changed.append("plan")

    if not changed:
        return Applied(shown_id, spec.key, "unchanged")
    frozen = [f for f in changed if f in _FROZEN_AFTER_APPROVAL and f != "objectives"]
    frozen += [c for c in objective_changes if c.startswith(_TARGET_CHANGE)]
    if frozen and improvement.status not in EDITABLE_DEFINITION:
        raise ChangeRefused(
            f"{source}: {'; '.join(frozen)} of {shown_id} cannot change once its plan went for "
            f"approval (status {improvement.status}); withdraw it and register a new improvement"
        )

    for field in _COPIED:
        setattr(improvement, field, _from_spec(spec, field))
    improvement.owner_id, improvement.process_owner_id = owner_id, process_owner_id
    if spec.identified:
        improvement.identified_at = datetime.combine(
            spec.identified, datetime.min.time(), tzinfo=UTC
        )
    improvement.updated_at = utcnow()
    session.add(improvement)
    if "team" in changed:
        store.set_team(session, improvement.id, team_ids)
    if objective_changes:
        _sync_objectives(session, current_objectives, wanted_objectives)
    if "plan" in changed:
        session.exec(delete(PlanAction).where(col(PlanAction.improvement_id) == improvement.id))
        _write_plan(session, improvement.id, spec, directory)
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor,
        action="updated",
        detail=f"changed {', '.join(changed)} from {Path(source).name}",
    )
    return Applied(shown_id, spec.key, "updated", tuple(changed))


def _objective_row(
    improvement_id: int, position: int, spec: ObjectiveSpec, base: Path
) -> Objective:
    """``base`` is the folder of the file: a CSV source's relative path is read from there."""
    measured = spec.baseline == "measure"
    source = spec.source.model_dump(mode="json")
    if source["kind"] == "csv" and not Path(source["path"]).is_absolute():
        source["path"] = str((base / source["path"]).resolve())
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
    )


def _objective_changes(current: list[Objective], wanted: list[Objective]) -> list[str]:
    """What differs, one phrase each; those starting with ``_TARGET_CHANGE`` touch targets."""
    have = {o.metric: o for o in current}
    want = {o.metric: o for o in wanted}
    changes = [f"{_TARGET_CHANGE}{m!r} added" for m in want if m not in have]
    changes += [f"{_TARGET_CHANGE}{m!r} removed" for m in have if m not in want]
    for metric in have.keys() & want.keys():
        old, new = have[metric], want[metric]
        if old.baseline_mode == "measure" and new.baseline_mode == "measure":
            baseline_differs = False  # a measured baseline is data, not the file's definition
        else:
            baseline_differs = (old.baseline_mode, old.baseline) != (
                new.baseline_mode,
                new.baseline,
            )
        targets = [
            f for f in _TARGET_FIELDS if f != "baseline" and getattr(old, f) != getattr(new, f)
        ]
        if baseline_differs:
            targets.insert(0, "baseline")
        if targets:
            changes.append(f"{_TARGET_CHANGE}{metric!r} {', '.join(targets)}")
        others = [f for f in _OTHER_OBJECTIVE_FIELDS if getattr(old, f) != getattr(new, f)]
        if others:
            changes.append(f"{metric!r} {', '.join(others)}")
    if [o.metric for o in current] != [o.metric for o in wanted] and not changes:
        changes.append("objective order")
    return changes


_OTHER_OBJECTIVE_FIELDS = ("description", "source", "kpi_kind")


def _sync_objectives(session: Session, current: list[Objective], wanted: list[Objective]) -> None:
    """Update objectives in place by metric, so their snapshots stay attached."""
    have = {o.metric: o for o in current}
    keep = {o.metric for o in wanted}
    for objective in current:
        if objective.metric not in keep:
            session.delete(objective)
    session.flush()
    for new in wanted:
        old = have.get(new.metric)
        if old is None:
            session.add(new)
            continue
        measured = old.baseline_mode == "measure" and new.baseline_mode == "measure"
        for field in ("position", *_TARGET_FIELDS, *_OTHER_OBJECTIVE_FIELDS, "baseline_mode"):
            if field == "baseline" and measured:
                continue  # keep a baseline the define stage already captured
            setattr(old, field, getattr(new, field))
        session.add(old)
    session.flush()


def _plan_rows(
    improvement_id: int, spec: ImprovementSpec, directory: Directory
) -> list[PlanAction]:
    return [
        PlanAction(
            improvement_id=improvement_id,
            position=position,
            action=action.action,
            owner_id=_person_id(directory, action.owner),
            due=action.due,
            status=action.status,
            change=action.change,
        )
        for position, action in enumerate(spec.plan)
    ]


def _plan_fields(action: PlanAction) -> tuple[Any, ...]:
    return (action.action, action.owner_id, action.due, action.status, action.change)


def _write_plan(
    session: Session, improvement_id: int, spec: ImprovementSpec, directory: Directory
) -> None:
    session.add_all(_plan_rows(improvement_id, spec, directory))
    session.flush()
