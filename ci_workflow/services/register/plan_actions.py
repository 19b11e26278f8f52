"""Recording a plan action's progress: its owner, or whoever may edit the improvement, sets its
status; the change is audited with how it arrived."""

from __future__ import annotations

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.services.people.refusals import refuse
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store


def set_action_status(ref: str, position: int, status: str, *, actor: Actor) -> str:
    try:
        wanted = ActionStatus(status)
    except ValueError:
        choices = ", ".join(ActionStatus)
        raise UsageError(f"unknown action status {status!r}; choose from {choices}") from None
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        action = next(
            (a for a in store.plan_of(session, improvement.id or 0) if a.position == position), None
        )
        if action is None:
            raise NotFound(f"{shown} has no plan action {position + 1}")
        if improvement.status in TERMINAL:
            raise UsageError(f"{shown} is {improvement.status}: its plan cannot change")
        person = actor.person
        parties = store.parties_of(session, improvement)
        may = person is not None and allowed(
            Action.progress_plan, person, parties, assignee_id=action.owner_id
        )
        if actor.person is None and actor.channel == "cli":
            may = True  # the register's administrator
        before = action.status
        if may and before != wanted:
            action.status = wanted
            session.add(action)
            record_act(
                session,
                actor,
                improvement_id=improvement.id,
                action="plan_progress",
                detail=f"{action.action[:80]!r}: {before} → {wanted}",
            )
        improvement_id = improvement.id
    if not may:
        raise refuse(
            actor,
            f"{actor.name} may not change the plan of {shown}: only the action's owner, "
            "the improvement's owner, its process owner or a CI manager may",
            improvement_id=improvement_id,
        )
    return f"{shown} action {position + 1}: {wanted}"
