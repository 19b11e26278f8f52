"""What the workspace shows of one improvement to one person: everything about it, and what
that person may do there (decide its waiting gate, update plan actions)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import CLAIM_EXPIRY, DECISIONS, Gate, gate_key
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status
from ci_workflow.domain.stages.report_kinds import label
from ci_workflow.errors import NotFound
from ci_workflow.reports.charts import nothing_to_draw, objective_chart
from ci_workflow.schemas import ImprovementDetail, ImprovementPage, MovingOn, ReportPublic
from ci_workflow.schemas_strategy import StrategyLink
from ci_workflow.services.views.gate_warnings import with_warnings
from ci_workflow.services.views.objective_results import evaluations_of, progress_of
from ci_workflow.services.views.rework import rework_loop
from ci_workflow.services.views.shapes import audit_of, detail_of, pending_of
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.reporting.reports import reports_of
from ci_workflow.store.snapshots import fingerprint_rows
from ci_workflow.store.strategy.items import held_items
from ci_workflow.store.strategy.links import links_of
from ci_workflow.store.tables import GateRequest

# How long the flow takes, at most, to take a decision and open what comes next (a stage that
# measures may read slow sources); after that the page stops refreshing and says it is late.
TAKING_AT_MOST = timedelta(minutes=10)


def improvement_page(ref: str, actor: Actor) -> ImprovementPage:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        improvement_id = improvement.id or 0
        parties = store.parties_of(session, improvement)
        waiting = open_requests(session, improvement_id)
        pending = pending_of(session, waiting[-1]) if waiting else None
        if pending is not None:  # what should give its deciders pause (gate_warnings)
            pending = with_warnings(session, pending)
        events = audit_of(session, improvement_id)
        detail = detail_of(session, improvement)
        moving = _moving_on(detail, waiting[-1] if waiting else None)
        person = actor.person
        deciding = (
            person is not None
            and pending is not None
            and moving is None
            and allowed(
                Action.decide,
                person,
                parties,
                gate=Gate(pending.gate),
                separation=get_settings().separation_of_duties,
            )
        )
        editor = person is not None and allowed(Action.edit, person, parties)
        plan = [] if detail.status in TERMINAL else store.plan_of(session, improvement_id)
        planner = editor and bool(plan)
        return ImprovementPage(
            improvement=detail,
            progress=progress_of(session, [improvement_id])[improvement_id],
            pending=pending,
            may_decide=deciding,
            moving=moving,
            decisions=list(DECISIONS[Gate(pending.gate)]) if pending else [],
            editable_actions=[
                a.position for a in plan if editor or (person and a.owner_id == person.id)
            ],
            may_plan=planner,
            assignees=sorted(p.name for p in load_directory(session).people if p.active)
            if planner
            else [],
            may_edit=editor and detail.status not in TERMINAL,
            rework=rework_loop(detail.gate_decisions, events),
            refused=[e for e in events if e.action in ("gate_refused", "forbidden")],
            audit=events,
            reports=_reports(session, improvement_id),
            strategy=_strategy(session, improvement_id),
        )


def _strategy(session: Session, improvement_id: int) -> list[StrategyLink]:
    titles = {key: item.title for key, item in held_items(session).items()}
    return [
        StrategyLink(
            kind=link.kind,
            key=link.key,
            title=titles.get(link.key, ""),
            contribution=link.contribution,
        )
        for link in links_of(session, [improvement_id]).get(improvement_id, [])
    ]


def _reports(session: Session, improvement_id: int) -> list[ReportPublic]:
    """Its saved reports, newest first, each with words saying which it is."""
    return [
        ReportPublic.model_validate(r, from_attributes=True).model_copy(
            update={"label": label(r.kind, r.created_at)}
        )
        for r in reports_of(session, improvement_id)
    ]


def _moving_on(detail: ImprovementDetail, request: GateRequest | None) -> MovingOn | None:
    """A gate whose decision was sent (claimed) but not yet taken by the flow, or one decided
    while the flow has not opened what comes next: the page says so, and offers no buttons."""
    now = utcnow()
    if request is not None:
        if request.claimed_at is None or now - as_utc(request.claimed_at) > CLAIM_EXPIRY:
            return None  # nobody answered, or the command that did died: it waits again
        assert request.claimed_by is not None
        key, at = gate_key(Gate(request.gate), request.attempt), as_utc(request.claimed_at)
        late = now - at > TAKING_AT_MOST
        return MovingOn(key=key, by=request.claimed_by, decision=None, at=at, stuck=late)
    if detail.status in TERMINAL or detail.status == Status.closed or not detail.gate_decisions:
        return None
    last = detail.gate_decisions[-1]
    key, at = gate_key(Gate(last.gate), last.attempt), as_utc(last.at)
    late = now - at > TAKING_AT_MOST
    return MovingOn(key=key, by=last.by, decision=last.decision, at=at, stuck=late)


def objective_chart_svg(ref: str, metric: str) -> tuple[str, str]:
    """An objective's chart (SVG) and a tag that changes whenever what it draws changes: the
    objective's definition, when execution started, any of its snapshots. Drawn once per tag
    (pygal takes tens of milliseconds a chart of 1,000 points)."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        objective = next(
            (o for o in store.objectives_of(session, improvement.id or 0) if o.metric == metric),
            None,
        )
        if objective is None:
            raise NotFound(f"{format_id(improvement.id or 0)} has no objective {metric!r}")
        facts = (
            objective.model_dump(exclude={"source"}),
            improvement.started_at,
            fingerprint_rows(session, [objective.id or 0]),
        )
    tag = hashlib.sha256(repr(facts).encode()).hexdigest()[:32]
    return _drawn(tag, improvement.id or 0, metric), tag


@lru_cache(maxsize=512)
def _drawn(tag: str, improvement_id: int, metric: str) -> str:
    """``tag`` keys the drawing: a changed objective asks for a new one."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, str(improvement_id))
        (evaluation,) = evaluations_of(session, [improvement], metric=metric)[improvement_id]
    return objective_chart(evaluation) or nothing_to_draw(metric)
