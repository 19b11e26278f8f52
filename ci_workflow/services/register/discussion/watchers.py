"""Following an improvement: its gates opening, its decisions and its comments are e-mailed
to the person (or put in their digest), once each; and no longer following it."""

from __future__ import annotations

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.ids import format_id
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.register import discussion as store
from ci_workflow.store.register.improvements import get_improvement


def follow(ref: str, *, actor: Actor, on: bool = True) -> str:
    """Follow the improvement (``on``) or stop; saying so when nothing changed."""
    person = actor.person
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        improvement_id = improvement.id or 0
        shown = format_id(improvement_id)
        if person is None or not allowed(Action.discuss, person):
            raise Refused(f"{actor.name} may not follow {shown}", improvement_id)
        if on:
            changed = store.watch(session, improvement_id=improvement_id, person_id=person.id)
        else:
            changed = store.unwatch(session, improvement_id=improvement_id, person_id=person.id)
        if changed:
            action = "watcher_added" if on else "watcher_removed"
            detail = f"{person.name} {'follows' if on else 'no longer follows'} {shown}"
            record_act(session, actor, improvement_id=improvement_id, action=action, detail=detail)
    if on:
        return f"you follow {shown}" if changed else f"you already follow {shown}"
    return f"you no longer follow {shown}" if changed else f"you were not following {shown}"
