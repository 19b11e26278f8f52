"""Improvement as code: ``improve apply FILE...`` creates or updates improvements from YAML.

Every file is read and validated before anything is written, and all of them are written in one
transaction: a problem anywhere means nothing changes.

The register's write lock is held only for the writing (issue 14: a write behind an apply of
1,000 files waited 32 s). Files are parsed and validated, the rows they touch read in a handful
of queries and the whole change worked out before the lock; under it, those rows are read again
and, if nothing changed meanwhile, written in one statement per table. If something did change,
the change is worked out again from what the register now holds, so the outcome is always the
one of an apply that ran alone. An apply that changes nothing takes no write lock at all.

An applied improvement carries warnings that refuse nothing: a ``sql`` source reading the
register's incidents or changes with those deleted in their tool (``register_reads``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.improvement_file import fields_of
from ci_workflow.domain.improvement.register_reads import deleted_records_warnings
from ci_workflow.errors import NotAuthorised, VersionConflict
from ci_workflow.metrics.placement import placed
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.register._apply_files import keys_of, parse_all, read_file, validate_all
from ci_workflow.services.register._apply_plan import Change, changes, refusals
from ci_workflow.services.register._apply_secrets import unmasked
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import apply_rows as rows
from ci_workflow.store.register.apply_rows import Current, load_current
from ci_workflow.store.register.file_versions import changes_after, versions_of
from ci_workflow.store.strategy.benefits import replace_lines
from ci_workflow.store.strategy.links import replace_links
from ci_workflow.store.tables import AuditEvent, Improvement, Objective, PlanAction, TeamMember


@dataclass(frozen=True)
class Applied:
    id: str
    key: str
    outcome: str  # "created", "updated" or "unchanged"
    changed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def apply_files(paths: list[Path], *, actor: Actor) -> list[Applied]:
    return apply_documents([(str(path), read_file(path)) for path in paths], actor=actor)


def apply_documents(
    documents: list[tuple[str, str]],
    *,
    actor: Actor,
    versions: Mapping[str, int] | None = None,
) -> list[Applied]:
    """(name, YAML text) pairs, as files or as sent to the workspace's API. A CSV source's
    relative path is read beside the named file. ``versions``: by key, the file version an
    editor started from (-1: any); an improvement changed since is refused with what changed
    (``VersionConflict``) and nothing is written."""
    refused: list[tuple[str, int]] = []
    try:
        return _apply(documents, actor, refused, versions or {})
    except NotAuthorised:
        for message, improvement_id in refused:  # audited apart: the apply itself is undone
            refuse(actor, message, improvement_id=improvement_id)
        raise


def _apply(
    documents: list[tuple[str, str]],
    actor: Actor,
    refused: list[tuple[str, int]],
    versions: Mapping[str, int],
) -> list[Applied]:
    # Parsed, validated and worked out before the register's write lock is taken: a slow or
    # hostile file, or a thousand of them, never holds up anyone else's writes.
    parsed = parse_all(documents)
    keys = keys_of(parsed)
    with transaction(write=False) as session:
        directory, current = load_directory(session), load_current(session, keys)
        _check_versions(session, current, versions)
    planned = _plan(parsed, directory, current, actor, refused)
    warned = _warnings(parsed)
    if all(change.outcome == "unchanged" for change in planned):
        return _results(planned, {}, warned)
    with transaction() as session:
        now_directory, now = load_directory(session), load_current(session, keys, lock=True)
        _check_versions(session, now, versions)
        if now != current or now_directory.people != directory.people:  # changed meanwhile
            planned = _plan(parsed, now_directory, now, actor, refused)
        return _results(planned, _write(session, planned), warned)


def _warnings(parsed: list[tuple[str, dict[str, Any]]]) -> dict[str, tuple[str, ...]]:
    """By key, what to warn of the improvement's objectives' sql sources (validated already;
    a SQLite file's path as captures read it, relative ones from the file's folder)."""
    register = get_settings().store_url
    return {
        str(data.get("key", "")): tuple(
            warning
            for objective in data.get("objectives") or []
            if (objective.get("source") or {}).get("kind") == "sql"
            for source in [placed(objective["source"], Path(name).parent)]
            for warning in deleted_records_warnings(
                str(objective["metric"]), source["url"], source["query"], register
            )
        )
        for name, data in parsed
    }


def _plan(
    parsed: list[tuple[str, dict[str, Any]]],
    directory: Directory,
    current: Current,
    actor: Actor,
    refused: list[tuple[str, int]],
) -> list[Change]:
    registered = {key: i.identified_at.date() for key, i in current.improvements.items()}
    parsed, masked = unmasked(parsed, current)  # secrets shown masked, kept as held
    specs = validate_all(parsed, directory, registered, masked, current.strategy)
    refused[:] = refusals(specs, current, directory, actor)
    if refused:
        raise NotAuthorised("; ".join(m for m, _ in refused))
    return changes(specs, current, directory, actor)


def _check_versions(session: Session, current: Current, versions: Mapping[str, int]) -> None:
    for key, version in versions.items():
        existing = current.improvements.get(key)
        if existing is None or version < 0:
            continue
        held = versions_of(session, [existing.id])[existing.id]
        if held == version:
            continue
        changes = [
            {
                "version": e.id,
                "at": as_utc(e.at),
                "by": e.actor,
                "action": e.action,
                "fields": fields_of(e.action, e.detail),
                "detail": e.detail,
            }
            for e in changes_after(session, existing.id, version)
        ]
        raise VersionConflict(
            f"{format_id(existing.id)} changed since version {version} (it is at version "
            f"{held} now): nothing was written; start again from version {held}",
            held,
            changes,
        )


def _results(
    planned: list[Change], ids: dict[str, int], warned: Mapping[str, tuple[str, ...]]
) -> list[Applied]:
    return [
        Applied(
            format_id(c.improvement_id or ids[c.key]),
            c.key,
            c.outcome,
            c.changed,
            warned.get(c.key, ()),
        )
        for c in planned
    ]


def _write(session: Session, planned: list[Change]) -> dict[str, int]:
    """Every change, one statement per table and kind of write; the new improvements' ids."""
    at = utcnow()
    written = [c for c in planned if c.outcome != "unchanged"]
    created = [c.fields for c in written if c.outcome == "created"]
    ids = rows.insert_improvements(
        session, [f | {"created_at": at, "updated_at": at} for f in created]
    )
    ids.update((c.key, c.improvement_id) for c in written if c.improvement_id is not None)
    updated = [c for c in written if c.improvement_id is not None]
    rows.update_by_id(session, Improvement, [c.fields | {"updated_at": at} for c in updated])

    teams = [(ids[c.key], c) for c in written if c.team is not None]
    rows.delete_children(session, TeamMember, [i for i, c in teams if c.improvement_id])
    members = [(i, p) for i, c in teams for p in dict.fromkeys(c.team or [])]
    rows.insert_rows(
        session, TeamMember, [{"improvement_id": i, "person_id": p} for i, p in members]
    )

    syncs = [(ids[c.key], c.objectives) for c in written if c.objectives is not None]
    rows.retire_objectives(session, [o for _, s in syncs for o in s.retire], at)
    rows.update_by_id(session, Objective, [o for _, s in syncs for o in s.update])
    new = [o | {"improvement_id": i} for i, s in syncs for o in s.insert]
    rows.insert_rows(session, Objective, new)

    plans = [(ids[c.key], c) for c in written if c.plan is not None]
    rows.delete_children(session, PlanAction, [i for i, c in plans if c.improvement_id])
    actions = [asdict(a) | {"improvement_id": i} for i, c in plans for a in c.plan or []]
    rows.insert_rows(session, PlanAction, actions)

    tied = [c for c in written if c.links is not None]
    replace_links(
        session,
        [ids[c.key] for c in tied if c.improvement_id is not None],
        [(ids[c.key], link) for c in tied for link in c.links or []],
    )

    lined = [c for c in written if c.benefits is not None]
    replace_lines(
        session,
        [ids[c.key] for c in lined if c.improvement_id is not None],
        [(ids[c.key], line) for c in lined for line in c.benefits or []],
    )

    events = [c.event | {"improvement_id": ids[c.key], "at": at} for c in written]
    events += [c.handover | {"improvement_id": ids[c.key], "at": at} for c in written if c.handover]
    rows.insert_rows(session, AuditEvent, events)
    return ids
