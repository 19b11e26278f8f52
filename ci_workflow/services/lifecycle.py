"""The stages of an improvement's life, as plain functions the lifecycle flow wraps in tasks.

Each function is idempotent on its own (keyed by improvement, gate and attempt), because a
flow replays from the top after every resume and a new deployment may re-run a cached task.
None of this imports Prefect.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, select

from ci_workflow.domain.gates import (
    DECISIONS,
    Gate,
    GateParties,
    gate_key,
    may_decide,
    missing_text,
    who_may_decide,
)
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import TERMINAL, Status
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import NotReady
from ci_workflow.metrics import is_fetched
from ci_workflow.services import register
from ci_workflow.services.capture import capture_kind
from ci_workflow.services.delivery import deliver_review
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_decision, find_request
from ci_workflow.store.metrics import latest_values
from ci_workflow.store.people import load_directory
from ci_workflow.store.tables import (
    GateDecision,
    GateRequest,
    Improvement,
    MetricSnapshot,
    Objective,
)
from ci_workflow.store.tables.common import utcnow

log = logging.getLogger("ci_workflow.lifecycle")

FLOW = "lifecycle flow"

# The status a gate needs while it waits, reached from the status before it.
_STATUS_WHILE_WAITING = {
    Gate.plan_approval: Status.awaiting_approval,
    Gate.resubmitted: Status.defined,
    Gate.execution_complete: Status.executing,
    Gate.review_signoff: Status.in_review,
}

# What an accepted decision moves the improvement to.
_STATUS_AFTER = {
    "approve": Status.approved,
    "reject": Status.rejected,
    "rework": Status.defined,
    "resubmit": Status.planned,
    "complete": Status.in_review,
    "accept": Status.consolidating,
    "extend": Status.executing,
}


def _advance(
    session: Session, improvement: Improvement, target: Status, actor: str, why: str
) -> None:
    """Move to ``target`` unless already there (a replayed or repeated stage)."""
    if improvement.status != target:
        store.change_status(session, improvement, target, actor=actor, reason=why)


def readiness_problems(session: Session, improvement: Improvement) -> list[str]:
    """What keeps an improvement from being defined and planned: SMART targets and a plan."""
    assert improvement.id is not None
    problems = []
    objectives = store.objectives_of(session, improvement.id)
    if not objectives:
        problems.append("it has no objectives (SMART targets)")
    for objective in objectives:
        if objective.baseline is None and not is_fetched(objective.source):
            problems.append(
                f"objective {objective.metric!r} has a manual source and no baseline yet: record "
                f"it with `improve record {format_id(improvement.id)} {objective.metric} VALUE "
                "--baseline --as NAME`"
            )
        elif objective.baseline is not None and not _beyond(objective):
            problems.append(
                f"objective {objective.metric!r}: the measured baseline {objective.baseline:g} "
                f"already meets the target {objective.target:g}"
            )
    if not improvement.vision.strip():
        problems.append("it has no vision")
    if not store.plan_of(session, improvement.id):
        problems.append("it has no plan actions")
    return problems


def _beyond(objective: Objective) -> bool:
    """The target lies on the far side of the baseline, in the objective's direction."""
    assert objective.baseline is not None
    if objective.direction == "increase":
        return objective.target > objective.baseline
    return objective.target < objective.baseline


def define_stage(improvement_id: int, flow_run_id: str) -> str:
    """Capture the baselines still to be measured, check the improvement is SMART and planned,
    then move it to ``planned``."""
    baselines = capture_kind(improvement_id, SnapshotKind.baseline, only_missing_baselines=True)
    if baselines.failed:
        raise NotReady("baseline capture failed: " + "; ".join(baselines.failed))
    _adopt_baselines(improvement_id)
    with transaction() as session:
        improvement = _get(session, improvement_id)
        if improvement.flow_run_id != flow_run_id:
            improvement.flow_run_id = flow_run_id
            session.add(improvement)
        if improvement.status in (Status.identified, Status.defined):
            problems = readiness_problems(session, improvement)
            if problems:
                raise NotReady(
                    f"{format_id(improvement_id)} cannot be defined: " + "; ".join(problems)
                )
            _advance(
                session,
                improvement,
                Status.defined,
                FLOW,
                "vision, current state and SMART targets set",
            )
            _advance(session, improvement, Status.planned, FLOW, "plan recorded")
        return improvement.status


def open_gate(improvement_id: int, gate: str, attempt: int, flow_run_id: str) -> str:
    """Record that ``gate`` waits for a decision, tell who may decide, return the form's text."""
    gate = Gate(gate)
    with transaction() as session:
        improvement = _get(session, improvement_id)
        if find_request(session, improvement_id, gate, attempt) is None:
            session.add(
                GateRequest(
                    improvement_id=improvement_id,
                    gate=gate,
                    attempt=attempt,
                    flow_run_id=flow_run_id,
                )
            )
            _advance(session, improvement, _STATUS_WHILE_WAITING[gate], FLOW, f"{gate} gate opened")
            _notify_gate_open(session, improvement, gate, attempt, flow_run_id)
    return gate_description(improvement_id, gate)


def parties(session: Session, improvement: Improvement) -> GateParties:
    """Who an improvement's gates are decided by: its process, owner and team."""
    assert improvement.id is not None
    team = store.team_of(session, improvement.id)
    return GateParties(
        process=improvement.process,
        owner_id=improvement.owner_id,
        team_ids=frozenset(p.id for p in team if p.id is not None),
    )


def _notify_gate_open(
    session: Session, improvement: Improvement, gate: Gate, attempt: int, flow_run_id: str
) -> None:
    """Tell the people who may decide (log line and audit event; e-mail comes with delivery)."""
    who = parties(session, improvement)
    deciders = [p.name for p in load_directory(session).people if may_decide(gate, p, who)]
    shown = format_id(improvement.id or 0)
    command = _COMMANDS[gate].format(id=shown)
    link = f"{get_settings().ui_url}/runs/flow-run/{flow_run_id}"
    message = (
        f"{shown} waits at {gate} (attempt {attempt}) for {who_may_decide(gate, who)}: "
        f"{', '.join(deciders) or 'nobody holds that role yet'}. Decide with `{command}` or in the "
        f"Prefect UI: {link}"
    )
    log.info(message)
    record_event(
        session, improvement_id=improvement.id, actor=FLOW, action="gate_opened", detail=message
    )


_COMMANDS = {
    Gate.plan_approval: "improve approve|reject|rework {id} --as NAME --comment TEXT",
    Gate.resubmitted: "improve resubmit {id} --as NAME",
    Gate.execution_complete: "improve complete {id} --as NAME",
    Gate.review_signoff: (
        "improve signoff {id} --as NAME --lessons TEXT, "
        "or improve extend {id} --as NAME --comment TEXT"
    ),
}


def decide_gate(improvement_id: int, gate: str, attempt: int, answer: dict[str, Any]) -> str:
    """Apply an answer to a gate: the decision taken, or ``refused`` if it may not be taken.

    Authorisation is checked here, inside the flow, whatever channel (CLI, Prefect UI, API)
    sent the answer. An accepted decision is one GateDecision row, written once.
    """
    gate = Gate(gate)
    with transaction() as session:
        done = find_decision(session, improvement_id, gate, attempt)
        if done is not None:
            return done.decision
        request = find_request(session, improvement_id, gate, attempt)
        if request is not None and request.outcome == "refused":
            return "refused"
        improvement = _get(session, improvement_id)
        if improvement.status in TERMINAL:
            return improvement.status  # withdrawn while waiting: the flow ends here
        by = str(answer.get("by", "")).strip()
        decision = str(answer.get("decision", "")).strip()
        comment = str(answer.get("comment") or "").strip()
        lessons = str(answer.get("lessons") or "").strip()
        person = load_directory(session).find(by) if by else None
        who = parties(session, improvement)
        refusal = None
        if person is None:
            refusal = f"{by or 'nobody'} is not a registered person"
        elif not may_decide(gate, person, who):
            refusal = f"{person.name} may not decide {gate}: only {who_may_decide(gate, who)} may"
        elif decision not in DECISIONS[gate]:
            refusal = f"{decision!r} is not a decision of {gate} ({', '.join(DECISIONS[gate])})"
        elif (field := missing_text(decision, comment=comment, lessons=lessons)) is not None:
            refusal = f"{decision} needs a {field}"
        now = utcnow()
        if request is not None:
            request.closed_at, request.outcome = now, "refused" if refusal else decision
            session.add(request)
        if refusal:
            log.warning(
                "%s: refused answer at %s: %s",
                format_id(improvement_id),
                gate_key(gate, attempt),
                refusal,
            )
            record_event(
                session,
                improvement_id=improvement_id,
                actor=by or "unknown",
                action="gate_refused",
                detail=f"{gate_key(gate, attempt)}: {refusal}",
            )
            return "refused"
        assert person is not None
        session.add(
            GateDecision(
                improvement_id=improvement_id,
                gate=gate,
                attempt=attempt,
                decision=decision,
                decided_by_id=person.id,
                decided_at=now,
                comment=comment or lessons,
                flow_run_id=improvement.flow_run_id,
            )
        )
        if decision == "accept":
            improvement.lessons_learned = lessons
            if answer.get("realised_gain") is not None:
                improvement.realised_gain = float(answer["realised_gain"])
            if answer.get("actual_cost") is not None:
                improvement.actual_cost = float(answer["actual_cost"])
        _advance(
            session,
            improvement,
            _STATUS_AFTER[decision],
            person.name,
            f"{gate}: {decision}" + (f" ({comment})" if comment else ""),
        )
        log.info("%s: %s %s by %s", format_id(improvement_id), gate, decision, person.name)
        return decision


def review_stage(improvement_id: int, round_: int) -> list[str]:
    """The final capture of every objective, then the review report, rendered and delivered.
    A failed capture or delivery is recorded and does not stop the review."""
    capture_kind(improvement_id, SnapshotKind.final)
    return deliver_review(improvement_id, kind=f"review-{round_}")


def _adopt_baselines(improvement_id: int) -> None:
    """Objectives whose baseline was to be measured take their latest baseline snapshot."""
    with transaction() as session:
        for objective in store.objectives_of(session, improvement_id):
            if objective.baseline is not None:
                continue
            snapshot = session.exec(
                select(MetricSnapshot)
                .where(
                    MetricSnapshot.objective_id == objective.id,
                    MetricSnapshot.kind == SnapshotKind.baseline,
                    col(MetricSnapshot.value).is_not(None),
                )
                .order_by(col(MetricSnapshot.checkpoint_at).desc())
            ).first()
            if snapshot is not None:
                objective.baseline = snapshot.value
                session.add(objective)


def consolidate_stage(improvement_id: int) -> list[str]:
    """Keep the lessons, close the improvement, and deliver its final review report."""
    with transaction() as session:
        improvement = _get(session, improvement_id)
        _advance(session, improvement, Status.closed, FLOW, "consolidated; lessons learned kept")
    return deliver_review(improvement_id, kind="final")


def gate_description(improvement_id: int, gate: Gate) -> str:
    """Markdown shown above the decision form: what is being decided, and the facts for it."""
    d = register.show_improvement(str(improvement_id))
    with transaction(write=False) as session:
        latest = latest_values(session, improvement_id)

    def now(metric: str) -> str:
        return f"{latest[metric][0]:g} ({latest[metric][1]:%Y-%m-%d})" if metric in latest else "—"

    lines = [
        f"## {d.id} {d.title}: {gate.replace('_', ' ')}",
        "",
        f"**Process** {d.process} · **owner** {d.owner} · **process owner** {d.process_owner}"
        f" · **status** {d.status}",
        "",
        f"**Vision:** {d.vision or '—'}",
        "",
        f"**Cost → gain:** {_money(d.estimated_cost)} → {_money(d.expected_gain)}"
        f" (value {_money(d.value)}; priority {d.priority})",
        "",
        "| objective | baseline | latest | target | direction | due |",
        "| --- | --- | --- | --- | --- | --- |",
        *[
            f"| {o.metric} ({o.unit}) | {o.baseline} | {now(o.metric)} | {o.target:g} "
            f"| {o.direction} | {o.due} |"
            for o in d.objectives
        ],
        "",
        "**Plan**",
        *[
            f"- {a.action} ({a.owner}, due {a.due or '—'}, {a.status}"
            + (f", change {a.change})" if a.change else ")")
            for a in d.plan
        ],
        *(
            [f"**Change requests:** {', '.join(a.change for a in d.plan if a.change)}"]
            if any(a.change for a in d.plan)
            else []
        ),
        "",
        *(["**Earlier decisions**"] if d.gate_decisions else []),
        *[
            f"- {g.gate} #{g.attempt}: {g.decision} by {g.by}. {g.comment}"
            for g in d.gate_decisions
        ],
        "",
        f"Decisions: {', '.join(DECISIONS[gate])}. Put your registered name in **by**.",
    ]
    return "\n".join(_markdown_safe(line) for line in lines)


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _markdown_safe(line: str) -> str:
    # Text people typed must not turn into HTML in the Prefect UI's Markdown.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _get(session: Session, improvement_id: int) -> Improvement:
    return store.get_improvement(session, str(improvement_id))
