"""Creating and changing one improvement through the workspace's API from the same spec as its
file (``POST /api/improvements``, ``PUT /api/improvements/ID``): applied as a file is, with the
same validation, permission checks and audit, in one transaction; an update is made from a
version of the file and refused, nothing written, when someone changed the file since."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.domain.improvement.improvement_file import to_yaml
from ci_workflow.errors import AlreadyExists, ChangeRefused, ValidationFailed, VersionConflict
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.register.apply import apply_documents
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.register.file_versions import versions_of

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Edited:
    id: str
    key: str
    outcome: str  # created, updated or unchanged
    changed: tuple[str, ...]
    version: int  # the file's version now
    warnings: tuple[str, ...] = ()  # what applied but deserves a look (``Applied.warnings``)


def create_improvement(spec: dict[str, Any], *, actor: Actor) -> Edited:
    """A new improvement from the workspace: a CI manager or a process owner registers it."""
    if not may_create(actor):
        raise refuse(
            actor,
            f"{actor.name} may not register an improvement: only a CI manager or a process "
            "owner may (an idea or an opportunity comes in through them)",
        )
    key = str(spec.get("key", ""))
    with transaction(write=False) as session:
        if KEY.match(key) and store.find_by_key(session, key) is not None:
            raise AlreadyExists(f"an improvement with key {key!r} exists; change it with PUT")
    try:  # version 0: none yet; one registered meanwhile is refused, not overwritten
        return _apply(key, spec, actor, 0)
    except VersionConflict:
        raise AlreadyExists(f"an improvement with key {key!r} was registered meanwhile") from None


def may_create(actor: Actor) -> bool:
    """Who may register an improvement from the workspace (the form, ``POST /api/...``)."""
    person = actor.person
    return person is not None and allowed(Action.create_improvement, person)


def update_improvement(ref: str, spec: dict[str, Any], *, version: int, actor: Actor) -> Edited:
    """``version``: the file's version the edit was made from (-1: whatever it is now)."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        key, shown = improvement.key, format_id(improvement.id or 0)
    spec = {"key": key, **spec}
    if (given := spec["key"]) != key:
        raise ValidationFailed(
            shown, [f"key: {shown}'s key is {key!r}; a key cannot change (sent {given!r})"]
        )
    return _apply(key, spec, actor, version)


def _apply(key: str, spec: dict[str, Any], actor: Actor, version: int) -> Edited:
    name = f"{key if KEY.match(key) else 'improvement'}.yaml"
    # Read beside the files the API applies: a CSV source's relative path is from there.
    document = (str(get_settings().home_dir / "applied" / name), to_yaml(spec))
    try:
        (applied,) = apply_documents([document], actor=actor, versions={key: version})
    except ValidationFailed as failed:
        problems = [p.removeprefix(f"{document[0]}: ") for p in failed.problems]
        raise ValidationFailed(name, problems) from None
    except ChangeRefused as refused:  # frozen fields: a problem of the spec like the others
        raise ValidationFailed(name, [str(refused).removeprefix(f"{document[0]}: ")]) from None
    with transaction(write=False) as session:
        number = parse_id(applied.id)
        now = versions_of(session, [number])[number]
    return Edited(applied.id, applied.key, applied.outcome, applied.changed, now, applied.warnings)
