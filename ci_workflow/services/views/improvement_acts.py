"""What a person may do to one improvement from its page besides deciding its gate: record its
values (a number, or a survey for a satisfaction objective), confirm its measured baselines
(its owner, before the plan is approved) and withdraw it; and, once it is withdrawn, by whom,
when and why. The same ``allowed`` checks the use cases make."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.measures.surveys import MAX_SCALE, MIN_SCALE, SURVEYED
from ci_workflow.domain.stages.gate_warnings import MeasuredBaseline
from ci_workflow.domain.stages.lifecycle import EDITABLE_DEFINITION, TERMINAL, Status
from ci_workflow.schemas import AuditEventPublic
from ci_workflow.services.views.gate_warnings import BASELINE_CONFIRMED, baselines_of
from ci_workflow.services.views.shapes import audit_of
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store

# Until the plan is approved its measured baselines may be confirmed (the approval asks for it).
BEFORE_APPROVAL = EDITABLE_DEFINITION | {Status.awaiting_approval}


class Recordable(BaseModel):
    """An objective a value may be typed for: by hand (a manual source), or as a correction."""

    metric: str
    description: str
    unit: str
    manual: bool
    surveyed: bool  # a satisfaction objective: a survey's mean is its value


class BaselineShown(BaseModel):
    """A measured baseline as its owner confirms it: the line (value, when, window, source), and
    who confirmed it when, if they did; ``confirmed`` is false again once it is measured anew."""

    metric: str
    line: str
    confirmed: bool
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


class Withdrawal(BaseModel):
    by: str
    at: datetime
    reason: str


class ImprovementActs(BaseModel):
    # And it is not withdrawn or rejected (after closing, values are still measured for a while).
    may_record: bool
    may_withdraw: bool
    may_confirm_baselines: bool  # its owner, until the plan is approved
    baselines: list[BaselineShown]  # measured ones: confirmed or waiting for the owner
    objectives: list[Recordable]
    today: str  # the as-of date the forms offer (UTC)
    scales: list[int]  # the survey scales offered: 1 to N
    withdrawn: Withdrawal | None


def improvement_acts(ref: str, actor: Actor) -> ImprovementActs:
    person = actor.person
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        improvement_id = improvement.id or 0
        parties = store.parties_of(session, improvement)
        status = Status(improvement.status)
        objectives = store.objectives_of(session, improvement_id)
        trail = audit_of(session, improvement_id)
        withdrawn = _withdrawal(trail) if status == Status.withdrawn else None
        baselines = _baselines(baselines_of(session, improvement), trail)
    ended = status in TERMINAL or status == Status.closed
    return ImprovementActs(
        may_record=status not in (Status.withdrawn, Status.rejected)
        and person is not None
        and allowed(Action.record, person, parties),
        may_withdraw=not ended and person is not None and allowed(Action.withdraw, person, parties),
        may_confirm_baselines=status in BEFORE_APPROVAL
        and person is not None
        and allowed(Action.confirm_baseline, person, parties),
        baselines=baselines,
        objectives=[
            Recordable(
                metric=o.metric,
                description=o.description,
                unit=o.unit,
                manual=o.source.get("kind") == "manual",
                surveyed=o.kpi_kind in SURVEYED,
            )
            for o in objectives
        ],
        today=f"{utcnow():%Y-%m-%d}",
        scales=list(range(MIN_SCALE, MAX_SCALE + 1)),
        withdrawn=withdrawn,
    )


def _baselines(found: list[MeasuredBaseline], trail: list[AuditEventPublic]) -> list[BaselineShown]:
    said = {e.detail: e for e in trail if e.action == BASELINE_CONFIRMED and e.detail}
    shown = []
    for b in found:
        event = said.get(b.line) if b.is_confirmed else None
        shown.append(
            BaselineShown(
                metric=b.metric,
                line=b.line,
                confirmed=event is not None,
                confirmed_by=event.actor if event else None,
                confirmed_at=as_utc(event.at) if event else None,
            )
        )
    return shown


def _withdrawal(events: list[AuditEventPublic]) -> Withdrawal | None:
    last = next((e for e in reversed(events) if e.to_status == Status.withdrawn), None)
    if last is None:
        return None
    return Withdrawal(by=last.actor, at=as_utc(last.at), reason=last.detail or "")
