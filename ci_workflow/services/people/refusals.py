"""Refusing an act the rules do not allow: one clear error, and an audit event that says who
tried what through which channel (written on its own: the refused act's transaction is undone)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


class Refused(Exception):
    """Raised inside a use case's transaction when the rules refuse the act: ``refusing``
    audits it once the transaction is undone (and its lock on the store let go)."""

    def __init__(self, message: str, improvement_id: int | None = None) -> None:
        super().__init__(message)
        self.message, self.improvement_id = message, improvement_id


@contextmanager
def refusing(actor: Actor) -> Iterator[None]:
    """``with refusing(actor), transaction() as session:`` a ``Refused`` raised inside becomes
    the audited ``NotAuthorised`` after the transaction is rolled back."""
    try:
        yield
    except Refused as refused:
        raise refuse(actor, refused.message, improvement_id=refused.improvement_id) from None
