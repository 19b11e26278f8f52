"""Benefits' actuals: ``improve benefits record`` (the improvement's owner or team, or a CI
manager) and ``improve benefits validate`` (finance of its programme, or a CI manager; never
who recorded it). Both audited; a refusal is audited too.

A measured line (``measured_from``) is not recorded by hand: its actual per quarter is measured
from its objective, and validating it keeps the amount as it was measured then.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.numbers import money
from ci_workflow.domain.strategy.benefit_figures import (
    RECORDED,
    REJECTED,
    VALIDATED,
    measured_amount,
    validation_problem,
    value_in,
)
from ci_workflow.domain.strategy.benefits import quarter
from ci_workflow.domain.strategy.serves import PROGRAMME
from ci_workflow.errors import ChangeRefused, NotFound, UsageError
from ci_workflow.metrics import finite
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement, parties_of
from ci_workflow.store.strategy import benefits as store
from ci_workflow.store.strategy.benefit_tables import BenefitActual, BenefitLine
from ci_workflow.store.strategy.links import links_of
from ci_workflow.store.tables import Improvement

MAX_NOTE = 1000


def money_changes(latest: Any, spec: Any) -> list[str]:
    """What an apply changes of the organisation's currency and rates, for its audit."""
    held = (latest.currency, dict(latest.rates)) if latest is not None else ("EUR", {})
    found = []
    if held[0] != spec.currency:
        found.append(f"currency {held[0]} → {spec.currency}")
    if held[1] != dict(spec.rates):
        found.append(f"rates {held[1] or '{}'} → {dict(spec.rates) or '{}'}")
    return found


def _said(text: str | None, what: str) -> str:
    said = " ".join((text or "").split())
    if len(said) > MAX_NOTE:
        raise UsageError(f"{what}: at most {MAX_NOTE} characters")
    return said


def _line(session: Session, improvement: Improvement, key: str) -> BenefitLine:
    for line in store.lines_of(session, [improvement.id or 0]).get(improvement.id or 0, []):
        if line.key == key:
            return line
    raise NotFound(
        f"{format_id(improvement.id or 0)} has no benefit line {key!r} "
        f"(see: improve benefits show {format_id(improvement.id or 0)})"
    )


def _quarter(text: str) -> str:
    try:
        return quarter(text)
    except ValueError as error:
        raise UsageError(f"QUARTER: {error}") from None


def record_benefit(
    ref: str, line_key: str, when: str, amount: float, *, actor: Actor, note: str | None = None
) -> str:
    """Record (or record again) a line's actual for a quarter, in the line's currency."""
    number = finite(amount)
    if number < 0:
        raise UsageError(f"AMOUNT: {number:g} is below zero; a benefit's actual is 0 or more")
    q, said = _quarter(when), _said(note, "note")
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        if actor.person is not None and not allowed(
            Action.record_benefit, actor.person, parties_of(session, improvement)
        ):
            raise Refused(
                f"only the owner or team of {shown} or a CI manager records its benefits",
                improvement.id,
            )
        line = _line(session, improvement, line_key)
        if line.measured_metric is not None:
            raise UsageError(
                f"{shown} line {line_key} is measured from objective {line.measured_metric}: "
                "its actuals are measured, not recorded"
            )
        row = store.actual(session, improvement.id or 0, line_key, q) or BenefitActual(
            improvement_id=improvement.id or 0,
            line_key=line_key,
            quarter=q,
            amount=0,
            source="recorded",
            recorded_by=actor.name,
        )
        again = row.id is not None
        row.amount, row.source, row.note, row.state = number, "recorded", said or None, RECORDED
        row.recorded_by, row.recorded_at = actor.name, utcnow()
        row.recorded_by_id = actor.person.id if actor.person else None
        row.decided_by = row.decided_at = row.reason = None
        store.save_actual(session, row)
        currency = line.currency or store.organisation_money(session)[0]
        line_text = f"{shown} {line_key} {q}: {money(number)} {currency}"
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action="benefit_recorded",
            detail=("recorded again " if again else "recorded ")
            + line_text
            + (f": {said}" if said else ""),
        )
    return f"{line_text} recorded, waiting for validation"


def validate_benefit(
    ref: str, line_key: str, when: str, *, actor: Actor, reject: str | None = None
) -> str:
    """Validate a line's actual for a quarter, or reject it with the reason."""
    q = _quarter(when)
    reason = _said(reject, "--reject") if reject is not None else None
    if reject is not None and not reason:
        raise UsageError("--reject: give the reason")
    with refusing(actor), transaction() as session:
        improvement = get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        line = _line(session, improvement, line_key)
        row = store.actual(session, improvement.id or 0, line_key, q) or _measured(
            session, improvement, line, q
        )
        if row is None:
            raise NotFound(f"{shown} line {line_key} has no actual for {q} to validate")
        programme = _programme(session, improvement.id or 0)
        person = actor.person
        if person is not None and not allowed(
            Action.validate_benefit, person, subject_id=row.recorded_by_id, programme=programme
        ):
            raise Refused(_who_validates(programme, row, person.id), improvement.id)
        mine = person.id if person else None
        problem = validation_problem(row.recorded_by_id, mine, row.state)
        if not problem and person is None and row.recorded_by == actor.name:
            problem = validation_problem(0, 0, row.state)
        if problem:
            raise ChangeRefused(f"{shown} {line_key} {q} cannot be decided: {problem}")
        row.state = REJECTED if reason else VALIDATED
        row.decided_by, row.decided_at, row.reason = actor.name, utcnow(), reason
        store.save_actual(session, row)
        currency = line.currency or store.organisation_money(session)[0]
        text = f"{shown} {line_key} {q}: {money(row.amount)} {currency} {row.state}"
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action=f"benefit_{row.state}",
            detail=text + (f": {reason}" if reason else ""),
        )
    return text


def _who_validates(programme: str | None, row: BenefitActual, person_id: int | None) -> str:
    if row.recorded_by_id is not None and row.recorded_by_id == person_id:
        return "nobody validates an actual they recorded themselves"
    scope = f"finance of programme {programme}, finance" if programme else "finance"
    return f"only {scope} (unscoped) or a CI manager validates benefits"


def _programme(session: Session, improvement_id: int) -> str | None:
    for link in links_of(session, [improvement_id]).get(improvement_id, []):
        if link.kind == PROGRAMME:
            return link.key
    return None


def _measured(
    session: Session, improvement: Improvement, line: BenefitLine, q: str
) -> BenefitActual | None:
    """A measured line's actual for ``q`` as measured now, to be kept once decided."""
    if line.measured_metric is None or line.measured_rate is None:
        return None
    found = store.measured_inputs(session, [improvement.id or 0])
    baseline, direction, points = found.get(
        (improvement.id or 0, line.measured_metric), (None, "", [])
    )
    value = value_in(q, points)
    if baseline is None or value is None:
        return None
    amount = measured_amount(baseline, value, direction, line.measured_rate)
    return BenefitActual(
        improvement_id=improvement.id or 0,
        line_key=line.key,
        quarter=q,
        amount=amount,
        source="measured",
        recorded_by="measured",
        note=f"{line.measured_metric} {value:g} against baseline {baseline:g}",
    )
