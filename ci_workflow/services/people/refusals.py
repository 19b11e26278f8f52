"""Refusing an act the rules do not allow: one clear error, and an audit event that says who
tried what through which channel (written on its own: the refused act's transaction is undone)."""

from __future__ import annotations

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.errors import NotAuthorised
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction


def refuse(actor: Actor, message: str, *, improvement_id: int | None = None) -> NotAuthorised:
    """Audit the refusal and return the error to raise."""
    with transaction() as session:
        record_act(
            session,
            actor,
            improvement_id=improvement_id,
            action="forbidden",
            detail=message,
        )
    return NotAuthorised(message)


def require(
    allowed: bool, actor: Actor, message: str, *, improvement_id: int | None = None
) -> None:
    if not allowed:
        raise refuse(actor, message, improvement_id=improvement_id)
