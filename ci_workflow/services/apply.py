"""Improvement as code: ``improve apply FILE...`` creates or updates improvements from YAML.

Every file is read and validated before anything is written, and all of them are written in one
transaction: a problem anywhere means nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from ci_workflow.domain.actors import Actor
from ci_workflow.domain.changes import brings_code, frozen_changes, objective_changes
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.evaluation import execution_start
from ci_workflow.domain.lifecycle import EDITABLE_DEFINITION, TERMINAL, Status
from ci_workflow.domain.people import Directory
from ci_workflow.domain.permissions import may_bring_code, may_edit
from ci_workflow.domain.spec import ImprovementSpec
from ci_workflow.errors import ChangeRefused, NotAuthorised
from ci_workflow.services.apply_audit import change_details
from ci_workflow.services.apply_files import parse_all, read_file, validate_all
from ci_workflow.services.guard import refuse
from ci_workflow.services.spec_rows import (
    COPIED,
    Wanted,
    copy_fields,
    from_spec,
    person_id,
    plan_fields,
    recorded_start,
    rows_of,
    sync_objectives,
)
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import first_moves_to, record_event
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
    return apply_documents([(str(path), read_file(path)) for path in paths], actor=actor)


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
    # Parsed and validated before the register's write lock is taken: a slow or hostile file
    # never holds up anyone else's writes.
    parsed = parse_all(documents)
    with transaction(write=False) as session:
        directory = load_directory(session)
        specs = validate_all(session, parsed, directory)
    with transaction() as session:
        if load_directory(session).people != directory.people:  # people changed meanwhile
            directory = load_directory(session)
            specs = validate_all(session, parsed, directory)
        refused.extend(_refusals(session, specs, directory, actor))
        if refused:
            raise NotAuthorised("; ".join(m for m, _ in refused))
        return [_upsert(session, spec, source, directory, actor) for source, spec in specs]


def _refusals(
    session: Session,
    specs: list[tuple[str, ImprovementSpec]],
    directory: Directory,
    actor: Actor,
) -> list[tuple[str, int]]:
    """Files that change an improvement ``actor`` may not change, or may not bring code into."""
    refused: list[tuple[str, int]] = []
    for source, spec in specs:
        existing = store.find_by_key(session, spec.key)
        if existing is None:
            continue
        if not _may_change(session, existing, actor):
            message = (
                f"{actor.name} may not change {store.display_id(existing)} ({source}): only "
                f"its owner, its process owner or a CI manager may"
            )
            refused.append((message, existing.id or 0))
        elif code := _code_brought_in(session, existing, spec, source, directory, actor):
            message = (
                f"{actor.name} may not make {', '.join(code)} of {store.display_id(existing)} "
                f"({source}) a Python source after its plan's approval: only its process "
                "owner or a CI manager may"
            )
            refused.append((message, existing.id or 0))
    return refused


def _may_change(session: Session, improvement: Improvement, actor: Actor) -> bool:
    """Its owner, its process owner, a CI manager; or the register's administrator (the CLI on
    its machine, acting for nobody in particular)."""
    if actor.person is None:
        return actor.channel == "cli"
    return may_edit(actor.person, store.parties_of(session, improvement))


def _code_brought_in(
    session: Session,
    improvement: Improvement,
    spec: ImprovementSpec,
    source: str,
    directory: Directory,
    actor: Actor,
) -> list[str]:
    """Metrics whose Python function this file brings in after approval, when ``actor`` may
    not: the flow runs that code at every checkpoint."""
    if improvement.status in EDITABLE_DEFINITION:
        return []
    if actor.person is None:
        return [] if actor.channel == "cli" else ["its sources"]
    if may_bring_code(actor.person, store.parties_of(session, improvement)):
        return []
    wanted = rows_of(improvement.id or 0, spec, source, directory)
    return brings_code(store.objectives_of(session, improvement.id or 0), wanted.objectives)


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
        started_at=spec.started_at,
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
    started = _started(session, improvement, spec)
    changed = _changed_fields(
        session, improvement, spec, wanted, bool(changes_to_objectives), started
    )
    if not changed:
        return Applied(shown_id, spec.key, "unchanged")
    details = change_details(
        session, improvement, spec, wanted, current_objectives, directory, started
    )
    frozen = frozen_changes(changed, changes_to_objectives)
    if frozen and improvement.status not in EDITABLE_DEFINITION:
        raise ChangeRefused(
            f"{source}: {'; '.join(frozen)} of {shown_id} cannot change once its plan went for "
            f"approval (status {improvement.status}); withdraw it and register a new improvement"
        )
    copy_fields(improvement, spec, wanted)
    improvement.started_at = started
    session.add(improvement)
    if "team" in changed:
        store.set_team(session, improvement.id, wanted.team_ids)
    if changes_to_objectives:
        every = store.objectives_of(session, improvement.id, retired=True)
        sync_objectives(session, every, wanted.objectives)
    if "plan" in changed:
        store.replace_plan(session, improvement.id, wanted.plan)
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor.name,
        channel=actor.channel,
        principal=actor.principal,
        action="updated",
        detail=f"changed {', '.join(changed)} from {Path(source).name}: {'; '.join(details)}",
    )
    return Applied(shown_id, spec.key, "updated", tuple(changed))


def _started(session: Session, improvement: Improvement, spec: ImprovementSpec) -> datetime | None:
    """When its execution started with this file applied: the register keeps the rule's answer
    in ``started_at`` (see ``execution_start``), so every reader splits at the same moment."""
    assert improvement.id is not None
    first = first_moves_to(session, [improvement.id], Status.executing).get(improvement.id)
    return execution_start(
        declared=spec.started_at, first_executing=first, recorded=recorded_start(improvement)
    )


def _changed_fields(
    session: Session,
    improvement: Improvement,
    spec: ImprovementSpec,
    wanted: Wanted,
    objectives_changed: bool,
    started: datetime | None,
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
    if started != recorded_start(improvement):
        changed.append("started")
    if {p.id for p in store.team_of(session, improvement.id)} != set(wanted.team_ids):
        changed.append("team")
    if objectives_changed:
        changed.append("objectives")
    current_plan = [plan_fields(a) for a in store.plan_of(session, improvement.id)]
    if current_plan != [plan_fields(a) for a in wanted.plan]:
        changed.append("plan")
    return changed
