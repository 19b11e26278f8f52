"""Triage of opportunities: a CI manager or a process owner accepts one into the register (an
improvement file written and applied, owned by them or whom they name) or dismisses it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import parse_id
from ci_workflow.errors import UsageError
from ci_workflow.opportunities.improvement_file import improvement_file
from ci_workflow.schemas import OpportunityPublic
from ci_workflow.services.intake import ideas
from ci_workflow.services.intake.detection import show
from ci_workflow.services.people import notifications
from ci_workflow.services.people.directory import known_name
from ci_workflow.services.people.refusals import require
from ci_workflow.services.register.apply import apply_files
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.opportunities import get_opportunity


def _triages(actor: Actor) -> None:
    """A CI manager or a process owner; on the register's machine, its administrator."""
    admin = actor.person is None and actor.channel == "cli"
    may = admin or (actor.person is not None and allowed(Action.triage_opportunities, actor.person))
    require(
        may,
        actor,
        f"{actor.name} may not accept or dismiss opportunities: only a CI "
        "manager or a process owner may",
    )


def dismiss(number: int, *, reason: str, actor: Actor) -> None:
    if not reason.strip():
        raise UsageError("a reason is required to dismiss an opportunity")
    _triages(actor)
    with transaction() as session:
        found = get_opportunity(session, number)
        if found.status != "new":
            raise UsageError(f"opportunity {number} is already {found.status}")
        found.status, found.reason, found.decided_by = "dismissed", reason, actor.name
        found.decided_at = utcnow()
        session.add(found)
        record_act(
            session,
            actor,
            improvement_id=None,
            action="opportunity_dismissed",
            detail=f"opportunity {number} ({found.title[:80]}): {reason}",
        )
        idea = found.kind == ideas.KIND
        if idea:
            ideas.tell_submitter(session, found, f"dismissed by {actor.name}: {reason}")
    if idea:
        notifications.dispatch()  # after the commit: a slow send holds nothing up


def accept(
    number: int, *, actor: Actor, owner: str | None = None, process: str | None = None
) -> tuple[str, Path]:
    """Write the improvement file for the opportunity (to ``IMPROVE_IMPROVEMENTS_DIR``, else
    the register's home) and register it as ``identified``; its owner is ``owner``, or the
    person accepting it."""
    _triages(actor)
    who = known_name(owner) if owner else (actor.person.name if actor.person else None)
    if who is None:
        raise UsageError("name the improvement's owner (--as NAME)")
    found = show(number)
    if found.status != "new":
        raise UsageError(f"opportunity {number} is already {found.status}")
    key, document = _document(found, owner=who, process=process)
    folder = get_settings().improvement_files_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.yaml"
    path.write_text(_yaml(document), encoding="utf-8")
    (applied,) = apply_files([path], actor=actor)
    with transaction() as session:
        record = get_opportunity(session, number)
        record.status, record.decided_by, record.decided_at = "accepted", actor.name, utcnow()
        record.improvement_id = parse_id(applied.id)
        session.add(record)
        if record.kind == ideas.KIND:
            ideas.tell_submitter(
                session, record, f"accepted by {actor.name} into the register as {applied.id}"
            )
    if found.kind == ideas.KIND:
        notifications.dispatch()
    return applied.id, path


def opportunity_file(number: int, *, actor: Actor) -> tuple[str, str]:
    """The improvement file accepting the opportunity would write, owned by the person reading
    it, as its file name and YAML text: to read, change and apply (anyone who may see it)."""
    found = show(number)
    who = actor.person.name if actor.person else actor.name
    key, document = _document(found, owner=who, process=None)
    return f"{key}.yaml", _yaml(document)


def _document(
    found: OpportunityPublic, *, owner: str, process: str | None
) -> tuple[str, dict[str, Any]]:
    prefix = "idea" if found.kind == ideas.KIND else "opp"
    slug = re.sub(r"[^a-z0-9]+", "-", found.group.lower()).strip("-")[:40]
    key = f"{prefix}-{found.number}-{slug}"
    # A finding about one process is that process's; incident findings default to Incident
    # Management, the practice that produced the data.
    default = found.group if found.group_by == "process" else "Incident Management"
    document = improvement_file(
        found, key=key, owner=owner, process=process or default, today=utcnow().date()
    )
    return key, document


def _yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
