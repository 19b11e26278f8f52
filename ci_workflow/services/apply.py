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
from sqlmodel import Session

from ci_workflow.domain.actors import Actor
from ci_workflow.domain.changes import (
    frozen_changes,
    objective_changes,
)
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.lifecycle import EDITABLE_DEFINITION, TERMINAL, Status
from ci_workflow.domain.people import Directory
from ci_workflow.domain.permissions import may_edit
from ci_workflow.domain.spec import ImprovementSpec, describe_errors
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ChangeRefused, NotAuthorised, ValidationFailed
from ci_workflow.metrics.placement import placed
from ci_workflow.metrics.placement import problems as source_problems
from ci_workflow.services.guard import refuse
from ci_workflow.services.spec_rows import (
    COPIED,
    Wanted,
    copy_fields,
    from_spec,
    person_id,
    plan_fields,
    rows_of,
    sync_objectives,
)
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people import load_directory
from ci_workflow.store.tables import Improvement


@dataclass(frozen=True)
class Applied:
    id: str
    key: str
    outcome: str  # "created", "updated" or "unchanged"
    changed: tuple[str, ...] = ()


def apply_files(paths: list[Path], *, actor: Actor) -> list[Applied]:
    return apply_documents([(str(path), _read(path)) for path in paths], actor=actor)


def apply_documents(documents: list[tuple[str, str]], *, actor: Actor) -> list[Applied]:
    """(name, YAML text) pairs, as files or as sent to the workspace's API. A CSV source's
    relative path is read beside the named file."""
    refused: list[tuple[str, int]] = []
    try:
        return _apply(documents, actor, refused)
    except NotAuthorised:
        for message, improvement_id in refused:  # audited apart: the apply itself is undone
            refuse(actor, message, improvement_id=improvement_id)
        raise


def _apply(
    documents: list[tuple[str, str]], actor: Actor, refused: list[tuple[str, int]]
) -> list[Applied]:
    with transaction() as session:
        directory = load_directory(session)
        specs = _validate_all(session, documents, directory)
        for source, spec in specs:
            existing = store.find_by_key(session, spec.key)
            if existing is not None and not _may_change(session, existing, actor):
                message = (
                    f"{actor.name} may not change {store.display_id(existing)} ({source}): only "
                    f"its owner, its process owner or a CI manager may"
                )
                refused.append((message, existing.id or 0))
        if refused:
            raise NotAuthorised("; ".join(m for m, _ in refused))
        return [_upsert(session, spec, source, directory, actor) for source, spec in specs]


def _may_change(session: Session, improvement: Improvement, actor: Actor) -> bool:
    """Its owner, its process owner, a CI manager; or the register's administrator (the CLI on
    its machine, acting for nobody in particular)."""
    if actor.person is None:
        return actor.channel == "cli"
    return may_edit(actor.person, store.parties_of(session, improvement))


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
        folder = Path(source).parent
        for number, objective in enumerate(spec.objectives):
            sourced = placed(objective.source.model_dump(mode="json"), folder)
            problems.extend(
                f"{source}: objectives[{number}].source.{field}: {problem}"
                for field, problem in source_problems(sourced, folder)
            )
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
    session: Session, spec: ImprovementSpec, source: str, directory: Directory, actor: Actor
) -> Applied:
    existing = store.find_by_key(session, spec.key)
    if existing is None:
        return _create(session, spec, source, directory, actor)
    return _update(session, existing, spec, source, directory, actor)


def _create(
    session: Session, spec: ImprovementSpec, source: str, directory: Directory, actor: Actor
) -> Applied:
    assert spec.process_owner is not None, "validation derives the process owner"
    identified = spec.identified or utcnow().date()
    improvement = Improvement(
        key=spec.key,
        **{field: from_spec(spec, field) for field in COPIED},
        owner_id=person_id(directory, spec.owner),
        process_owner_id=person_id(directory, spec.process_owner),
        status=Status.identified,
        identified_at=datetime.combine(identified, datetime.min.time(), tzinfo=UTC),
    )
    session.add(improvement)
    session.flush()
    assert improvement.id is not None
    wanted = rows_of(improvement.id, spec, source, directory)
    store.set_team(session, improvement.id, wanted.team_ids)
    session.add_all([*wanted.objectives, *wanted.plan])
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor.name,
        channel=actor.channel,
        principal=actor.principal,
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
    actor: Actor,
) -> Applied:
    assert improvement.id is not None
    shown_id = store.display_id(improvement)
    if improvement.status in TERMINAL:
        raise ChangeRefused(f"{source}: {shown_id} is {improvement.status} and cannot be changed")
    wanted = rows_of(improvement.id, spec, source, directory)
    current_objectives = store.objectives_of(session, improvement.id)
    changes_to_objectives = objective_changes(current_objectives, wanted.objectives)
    changed = _changed_fields(session, improvement, spec, wanted, bool(changes_to_objectives))
    if not changed:
        return Applied(shown_id, spec.key, "unchanged")
    frozen = frozen_changes(changed, changes_to_objectives)
    if frozen and improvement.status not in EDITABLE_DEFINITION:
        raise ChangeRefused(
            f"{source}: {'; '.join(frozen)} of {shown_id} cannot change once its plan went for "
            f"approval (status {improvement.status}); withdraw it and register a new improvement"
        )
    copy_fields(improvement, spec, wanted)
    session.add(improvement)
    if "team" in changed:
        store.set_team(session, improvement.id, wanted.team_ids)
    if changes_to_objectives:
        sync_objectives(session, current_objectives, wanted.objectives)
    if "plan" in changed:
        store.replace_plan(session, improvement.id, wanted.plan)
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor.name,
        channel=actor.channel,
        principal=actor.principal,
        action="updated",
        detail=f"changed {', '.join(changed)} from {Path(source).name}",
    )
    return Applied(shown_id, spec.key, "updated", tuple(changed))


def _changed_fields(
    session: Session,
    improvement: Improvement,
    spec: ImprovementSpec,
    wanted: Wanted,
    objectives_changed: bool,
) -> list[str]:
    """The improvement's own fields, people, team, objectives and plan that the file changes."""
    assert improvement.id is not None
    changed = [f for f in COPIED if getattr(improvement, f) != from_spec(spec, f)]
    if wanted.owner_id != improvement.owner_id:
        changed.append("owner")
    if wanted.process_owner_id != improvement.process_owner_id:
        changed.append("process_owner")
    if spec.identified and spec.identified != improvement.identified_at.date():
        changed.append("identified")
    if {p.id for p in store.team_of(session, improvement.id)} != set(wanted.team_ids):
        changed.append("team")
    if objectives_changed:
        changed.append("objectives")
    current_plan = [plan_fields(a) for a in store.plan_of(session, improvement.id)]
    if current_plan != [plan_fields(a) for a in wanted.plan]:
        changed.append("plan")
    return changed
