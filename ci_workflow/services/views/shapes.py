"""Reading the register into the shapes people see (``schemas``), inside a caller's session.

Shared by the use cases that show an improvement (show, export, reports, gate summaries), its
audit trail and its waiting gates. Results and progress are in ``results``: the register's
listing does not pay for the statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from ci_workflow.domain.authority.people import Directory, PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.plan_tasks import (
    done_pct,
    overdue_days,
    overdue_words,
    plan_overdue_words,
)
from ci_workflow.domain.improvement.priority import priority, value, wsjf
from ci_workflow.domain.redact import redact_source
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.schemas import (
    AuditEventPublic,
    GateDecisionPublic,
    ImprovementDetail,
    ObjectivePublic,
    PendingGate,
    PlanActionPublic,
    from_row,
)
from ci_workflow.services.views import WSJF_INPUTS
from ci_workflow.services.views.waiting_gates import pending_rows
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import events_for
from ci_workflow.store.gates import WaitingGate
from ci_workflow.store.intake.change_records import by_number as changes_by_number
from ci_workflow.store.people.parties import parties_by_id
from ci_workflow.store.people.people import names_by_id
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import GateRequest, Improvement, Objective, PlanAction


def objective_public(objective: Objective) -> ObjectivePublic:
    return from_row(
        ObjectivePublic,
        objective,
        source=redact_source(objective.source),
        baseline=objective.baseline if objective.baseline_mode == "value" else "measure",
    )


def detail_of(session: Session, improvement: Improvement) -> ImprovementDetail:
    """Everything about one improvement, with people by name and secrets masked."""
    assert improvement.id is not None
    plan = store.plan_of(session, improvement.id)
    decisions = store.decisions_of(session, improvement.id)
    team = store.team_of(session, improvement.id)
    objectives = store.objectives_of(session, improvement.id, retired=True)
    wanted = {improvement.owner_id, improvement.process_owner_id}
    wanted |= {a.owner_id for a in plan} | {d.decided_by_id for d in decisions}
    names = names_by_id(session, wanted)
    actions = _plan(session, plan, names, improvement.status)
    late = [a.overdue_days for a in actions if a.overdue_days]
    return from_row(
        ImprovementDetail,
        improvement,
        id=format_id(improvement.id),
        owner=names[improvement.owner_id],
        process_owner=names[improvement.process_owner_id],
        priority=priority(improvement.strategic_impact, improvement.feasibility),
        value=value(improvement.expected_gain, improvement.estimated_cost),
        wsjf=wsjf(*(getattr(improvement, f"wsjf_{n}") for n in WSJF_INPUTS)),
        team=[p.name for p in team],
        objectives=[objective_public(o) for o in objectives if o.retired_at is None],
        retired_objectives=[o.metric for o in objectives if o.retired_at is not None],
        plan=actions,
        plan_done_pct=done_pct(a.status for a in plan),
        overdue_actions=len(late),
        plan_overdue=plan_overdue_words(len(late), max(late, default=0)),
        gate_decisions=[
            from_row(GateDecisionPublic, d, by=names[d.decided_by_id], at=d.decided_at)
            for d in decisions
        ],
    )


def _plan(
    session: Session, plan: Sequence[PlanAction], names: dict[int, str], improvement_status: str
) -> list[PlanActionPublic]:
    """The plan's actions, each with how overdue it is and the imported state of its change
    (one query for all)."""
    changes = changes_by_number(session, [a.change for a in plan if a.change])
    today, out = utcnow().date(), []
    for a in plan:
        change = changes.get(a.change) if a.change else None
        closed = change.closed_at if change else None
        late = overdue_days(a.due, a.status, improvement_status, today)
        out.append(
            from_row(
                PlanActionPublic,
                a,
                owner=names[a.owner_id],
                overdue_days=late,
                overdue=overdue_words(late),
                change_state=change.state if change else None,
                change_outcome=change.outcome if change else None,
                change_close_code=change.close_code if change else None,
                change_closed_at=as_utc(closed) if closed else None,
            )
        )
    return out


def audit_of(session: Session, improvement_id: int) -> list[AuditEventPublic]:
    return [
        AuditEventPublic.model_validate(e, from_attributes=True)
        for e in events_for(session, improvement_id)
    ]


def pending_of(session: Session, request: GateRequest) -> PendingGate:
    """A waiting gate as people see it: since when, and who may decide it."""
    (pending,) = pending_for(session, [request])
    return pending


def decidable_by(
    session: Session, person: PersonView, requests: Sequence[WaitingGate]
) -> list[WaitingGate]:
    """The waiting gates this person may decide, in their order: the rule asked of one person,
    not of everyone (My work lists a person's gates among a thousand waiting)."""
    parties = parties_by_id(session, (r.improvement_id for r in requests))
    separation = get_settings().separation_of_duties
    return [
        r
        for r in requests
        if allowed(
            Action.decide,
            person,
            parties[r.improvement_id],
            gate=Gate(r.gate),
            separation=separation,
        )
    ]


def pending_for(
    session: Session, requests: Sequence[GateRequest], directory: Directory | None = None
) -> list[PendingGate]:
    """``pending_of`` for many gates in a handful of queries, whatever their number
    (``waiting_gates.pending_rows``)."""
    return [PendingGate.model_validate(p) for p in pending_rows(session, requests, directory)]
