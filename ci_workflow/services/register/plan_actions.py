"""A plan action as a task: its assignee sets its status; whoever may edit the improvement also
reassigns it and moves its due date. Becoming done records the date (reopening clears it); a
closed, rejected or withdrawn improvement's plan is read-only. Every change is audited with how
it arrived, as a change of the improvement's file (its plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.field_diffs import value_change
from ci_workflow.domain.improvement.plan_tasks import done_date
from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.services.people.refusals import refuse
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory, names_by_id
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import Improvement, PlanAction


class Keep(Enum):
    """A field the change leaves as it is."""

    keep = "keep"


KEEP = Keep.keep


@dataclass(frozen=True)
class ActionChange:
    """What to change of one plan action; ``assignee`` is a person's name, ``due`` None clears
    the due date."""

    status: str | None = None
    assignee: str | None = None
    due: date | Keep | None = KEEP


def set_action_status(ref: str, position: int, status: str, *, actor: Actor) -> str:
    return update_action(ref, position, ActionChange(status=status), actor=actor)


def update_action(ref: str, position: int, change: ActionChange, *, actor: Actor) -> str:
    """Change one plan action (``position`` counts from 0); a line saying what it now is."""
    wanted = _status(change.status)
    with transaction() as session:
        improvement, action = _action(session, ref, position)
        shown = format_id(improvement.id or 0)
        owner_id = _assignee(session, change.assignee, action.owner_id)
        due = action.due if change.due is KEEP else change.due
        more = (owner_id, due) != (action.owner_id, action.due)
        may = _may(session, actor, improvement, action, more)
        if may:
            status = wanted.value if wanted else action.status
            _write(session, actor, improvement, action, (status, owner_id, due))
        improvement_id, status = improvement.id, action.status
    if not may:
        what = "reassign it or move its due date" if more else "change its status"
        raise refuse(
            actor,
            f"{actor.name} may not {what} (action {position + 1} of {shown}): only "
            + ("" if more else "the action's assignee, ")
            + "the improvement's owner, its process owner or a CI manager may",
            improvement_id=improvement_id,
        )
    return f"{shown} action {position + 1}: {status.replace('_', ' ')}"


def _status(status: str | None) -> ActionStatus | None:
    if status is None:
        return None
    try:
        return ActionStatus(status)
    except ValueError:
        choices = ", ".join(ActionStatus)
        raise UsageError(f"status: unknown {status!r}; choose from {choices}") from None


def _action(session: Session, ref: str, position: int) -> tuple[Improvement, PlanAction]:
    improvement = store.get_improvement(session, ref)
    shown = format_id(improvement.id or 0)
    plan = store.plan_of(session, improvement.id or 0)
    action = next((a for a in plan if a.position == position), None)
    if action is None:
        raise NotFound(f"{shown} has no plan action {position + 1}")
    if improvement.status in TERMINAL:
        raise UsageError(f"{shown} is {improvement.status}: its plan is read-only")
    return improvement, action


def _assignee(session: Session, name: str | None, held: int) -> int:
    if name is None:
        return held
    person = load_directory(session).find(name)
    if person is None:
        raise UsageError(f"assignee: nobody named {name!r} is in the register")
    if not person.active and person.id != held:
        raise UsageError(f"assignee: {person.name} is deactivated")
    return person.id


def _may(
    session: Session, actor: Actor, improvement: Improvement, action: PlanAction, more: bool
) -> bool:
    if actor.person is None and actor.channel == "cli":
        return True  # the register's administrator
    person, parties = actor.person, store.parties_of(session, improvement)
    if person is None:
        return False
    if more:  # reassigning or rescheduling is editing the improvement's plan
        return allowed(Action.edit, person, parties)
    return allowed(Action.progress_plan, person, parties, assignee_id=action.owner_id)


def _write(
    session: Session,
    actor: Actor,
    improvement: Improvement,
    action: PlanAction,
    wanted: tuple[str, int, date | None],
) -> None:
    status, owner_id, due = wanted
    names = names_by_id(session, {action.owner_id, owner_id})
    changes = [
        value_change(label, before, after)
        for label, before, after in (
            ("status", action.status, status),
            ("assignee", names[action.owner_id], names[owner_id]),
            ("due", action.due, due),
        )
        if before != after
    ]
    if not changes:
        return
    action.done_on = done_date(action.status, status, action.done_on, utcnow().date())
    action.status, action.owner_id, action.due = status, owner_id, due
    session.add(action)
    record_act(
        session,
        actor,
        improvement_id=improvement.id,
        action="plan_progress",
        detail=f"{action.action[:80]!r}: {'; '.join(changes)}",
    )
