"""What the workspace's create and edit forms start from (``/improvements/new``,
``/improvements/ID/edit``): the improvement's file and version, what is frozen since its plan
went for approval and why, and the people and scopes the pickers offer; and, when an edit came
from an older version, what changed since, field by field. Read only: the forms are sent to
``services.register.edit``, which checks and writes them as ``apply`` does."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.field_diffs import FROZEN_AFTER_APPROVAL
from ci_workflow.domain.stages.lifecycle import EDITABLE_DEFINITION, TERMINAL
from ci_workflow.errors import ChangeRefused, NotAuthorised
from ci_workflow.formatting import when
from ci_workflow.schemas_edit import EditSince, ImprovementForm
from ci_workflow.services.views.improvement_file import file_of
from ci_workflow.services.views.rework import edit_of
from ci_workflow.store.audit import first_moves_to
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import known_scopes, load_directory
from ci_workflow.store.register import improvements as store

# An objective's fields frozen with the plan's approval, as the form names them.
FROZEN_OBJECTIVE = ("metric", "baseline", "target", "direction", "due", "window", "unit", "input")


def new_form(actor: Actor) -> ImprovementForm:
    """An empty form, for a CI manager or a process owner."""
    person = actor.person
    if person is None or not allowed(Action.create_improvement, person):
        raise NotAuthorised(
            f"{actor.name} may not register an improvement: only a CI manager or a process "
            "owner may"
        )
    with transaction(write=False) as session:
        return ImprovementForm(**_pickers(session))


def edit_form(ref: str, actor: Actor) -> ImprovementForm:
    """The improvement's file as the form shows it, for who may change it."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        person = actor.person
        if person is None or not allowed(
            Action.edit, person, store.parties_of(session, improvement)
        ):
            raise NotAuthorised(
                f"{actor.name} may not change {shown}: only its owner, its process owner or a "
                "CI manager may"
            )
        if improvement.status in TERMINAL:
            raise ChangeRefused(f"{shown} is {improvement.status} and cannot be changed")
        found = file_of(session, improvement)
        frozen = improvement.status not in EDITABLE_DEFINITION
        why = ""
        if frozen:
            since = first_moves_to(session, [improvement.id or 0], "awaiting_approval")
            at = since.get(improvement.id or 0)
            why = (
                f"Its plan went for approval{f' on {when(at)} UTC' if at else ''}: what it is "
                "measured against cannot change any more (to change it, withdraw the "
                "improvement and register a new one)."
            )
        return ImprovementForm(
            id=shown,
            title=improvement.title,
            status=improvement.status,
            version=found.version,
            document=found.document,
            frozen=frozen,
            frozen_fields=[*FROZEN_AFTER_APPROVAL, *(f"objectives.{f}" for f in FROZEN_OBJECTIVE)]
            if frozen
            else [],
            frozen_why=why,
            **_pickers(session),
        )


def _pickers(session: Session) -> dict[str, Any]:
    scopes = known_scopes(session)
    return {
        "people": [p.name for p in load_directory(session).people if p.active],
        "processes": sorted({*scopes.get("process", []), *scopes.get("process_owner", [])}),
        "services": sorted({*scopes.get("service", []), *scopes.get("service_owner", [])}),
    }


def changes_since(changes: list[dict[str, Any]]) -> list[EditSince]:
    """What a version conflict says changed after the editor's version, field by field."""
    return [
        edit_of(
            at=c["at"], by=c["by"], action=c["action"], detail=c["detail"], version=c["version"]
        )
        for c in changes
    ]
