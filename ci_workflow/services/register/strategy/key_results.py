"""``improve strategy record KR VALUE --at DATE``: a key result's value, measured by hand,
recorded by its owner or a CI manager and audited."""

from __future__ import annotations

from datetime import datetime

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import CLOCK_SKEW, as_utc, utcnow
from ci_workflow.domain.numbers import quantity
from ci_workflow.domain.strategy.changes import Kind
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.metrics import finite
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy import items as store
from ci_workflow.store.strategy.links import add_value

MAX_NOTE = 1000


def record_key_result(
    key: str, value: float, *, actor: Actor, at: datetime | None = None, note: str | None = None
) -> str:
    number = finite(value)
    said = " ".join((note or "").split())
    if len(said) > MAX_NOTE:
        raise UsageError(f"note: at most {MAX_NOTE} characters")
    moment = as_utc(at or utcnow()).replace(microsecond=0)
    if moment > utcnow() + CLOCK_SKEW:
        raise UsageError(
            f"--at {moment:%Y-%m-%d %H:%M} UTC is in the future: a value is recorded when it "
            "was measured"
        )
    with refusing(actor), transaction() as session:
        row = store.held_rows(session).get(key)
        if row is None or row.kind != Kind.key_result or row.retired_at is not None:
            raise NotFound(f"no key result {key!r} in the strategy (see: improve strategy show)")
        if actor.person is not None and not allowed(
            Action.record_key_result, actor.person, subject_id=row.owner_id
        ):
            raise Refused(f"only the owner of key result {key} or a CI manager records it")
        add_value(session, item_id=row.id or 0, value=number, at=moment, by=actor.name, note=said)
        line = f"{key} = {quantity(number, row.unit or '')} at {moment:%Y-%m-%d %H:%M} UTC"
        record_act(
            session,
            actor,
            improvement_id=None,
            action="key_result_recorded",
            detail=line + (f": {said}" if said else ""),
        )
    return f"{line} recorded"
