"""The stages of an improvement's life, as plain functions the lifecycle flow runs as tasks.

Each function is idempotent on its own (keyed by improvement, gate and attempt), because a
flow replays from the top after every resume and a new deployment may re-run a cached task.
The flow orders them, and delivers the reports after review and consolidation.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.gates import (
    STATUS_AFTER,
    STATUS_WHILE_WAITING,
    Gate,
    gate_key,
    refusal,
)
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import TERMINAL, Status
from ci_workflow.domain.permissions import may_decide, who_may_decide
from ci_workflow.domain.smart import readiness_problems
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import NotReady
from ci_workflow.reports import gate_summary
from ci_workflow.services.capture import capture_kind
from ci_workflow.services.readings import detail_of
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_decision, find_request
from ci_workflow.store.people import load_directory
from ci_workflow.store.snapshots import latest_baseline, latest_values
from ci_workflow.store.tables import GateDecision, GateRequest, Improvement

log = logging.getLogger("ci_workflow.lifecycle")

FLOW = "lifecycle flow"

_COMMANDS = {
    Gate.plan_approval: "improve approve|reject|rework {id} --as NAME --comment TEXT",
    Gate.resubmitted: "improve resubmit {id} --as NAME",
    Gate.execution_complete: "improve complete {id} --as NAME",
    Gate.review_signoff: (
        "improve signoff {id} --as NAME --lessons TEXT, "
        "or improve extend {id} --as NAME --comment TEXT"
    ),
}


def _advance(
    session: Session, improvement: Improvement, target: Status, actor: str, why: str
) -> None:
    """Move to ``target`` unless already there (a replayed or repeated stage)."""
    if improvement.status != target:
        store.change_status(session, improvement, target, actor=actor, reason=why)


def define_stage(improvement_id: int, flow_run_id: str) -> str:
    """Capture the baselines still to be measured, check the improvement is SMART and planned,
    then move it to ``planned``."""
    baselines = capture_kind(improvement_id, SnapshotKind.baseline, only_missing_baselines=True)
    if baselines.failed:
        raise NotReady("baseline capture failed: " + "; ".join(baselines.failed))
    with transaction() as session:
        improvement = _get(session, improvement_id)
        _adopt_baselines(session, improvement_id)
        if improvement.flow_run_id != flow_run_id:
            improvement.flow_run_id = flow_run_id
            session.add(improvement)
        if improvement.status in (Status.identified, Status.defined):
            problems = readiness_problems(
                shown_id=format_id(improvement_id),
                vision=improvement.vision,
                objectives=store.objectives_of(session, improvement_id),
                plan_actions=len(store.plan_of(session, improvement_id)),
            )
            if problems:
                raise NotReady(
                    f"{format_id(improvement_id)} cannot be defined: " + "; ".join(problems)
                )
            why = "vision, current state and SMART targets set"
            _advance(session, improvement, Status.defined, FLOW, why)
            _advance(session, improvement, Status.planned, FLOW, "plan recorded")
        return improvement.status


def _adopt_baselines(session: Session, improvement_id: int) -> None:
    """Objectives whose baseline was to be measured take their latest baseline snapshot."""
    for objective in store.objectives_of(session, improvement_id):
        if objective.baseline is None:
            measured = latest_baseline(session, objective.id or 0)
            if measured is not None:
                objective.baseline = measured
                session.add(objective)
    session.flush()


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
            _advance(session, improvement, STATUS_WHILE_WAITING[gate], FLOW, f"{gate} gate opened")
            _notify_gate_open(session, improvement, gate, attempt, flow_run_id)
    return gate_description(improvement_id, gate)


def _notify_gate_open(
    session: Session, improvement: Improvement, gate: Gate, attempt: int, flow_run_id: str
) -> None:
    """Tell the people who may decide (log line and audit event; e-mail comes with delivery)."""
    parties = store.parties_of(session, improvement)
    deciders = [p.name for p in load_directory(session).people if may_decide(gate, p, parties)]
    shown = format_id(improvement.id or 0)
    command = _COMMANDS[gate].format(id=shown)
    link = f"{get_settings().ui_url}/runs/flow-run/{flow_run_id}"
    message = (
        f"{shown} waits at {gate} (attempt {attempt}) for {who_may_decide(gate, parties)}: "
        f"{', '.join(deciders) or 'nobody holds that role yet'}. Decide with `{command}` or in the "
        f"Prefect UI: {link}"
    )
    log.info(message)
    record_event(
        session, improvement_id=improvement.id, actor=FLOW, action="gate_opened", detail=message
    )


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
        refused = refusal(
            gate, decision, by=by, person=person, parties=store.parties_of(session, improvement),
            comment=comment, lessons=lessons,
        )  # fmt: skip
        now = utcnow()
        if request is not None:
            request.closed_at, request.outcome = now, "refused" if refused else decision
            session.add(request)
        key = gate_key(gate, attempt)
        if refused is not None:
            log.warning("%s: refused at %s: %s", format_id(improvement_id), key, refused.message)
            record_event(
                session, improvement_id=improvement_id, actor=by or "unknown",
                action="gate_refused", detail=f"{key}: {refused.message}",
            )  # fmt: skip
            return "refused"
        assert person is not None
        session.add(
            GateDecision(
                improvement_id=improvement_id, gate=gate, attempt=attempt, decision=decision,
                decided_by_id=person.id, decided_at=now, comment=comment or lessons,
                flow_run_id=improvement.flow_run_id,
            )
        )  # fmt: skip
        if decision == "accept":
            improvement.lessons_learned = lessons
            if answer.get("realised_gain") is not None:
                improvement.realised_gain = float(answer["realised_gain"])
            if answer.get("actual_cost") is not None:
                improvement.actual_cost = float(answer["actual_cost"])
        why = f"{gate}: {decision}" + (f" ({comment})" if comment else "")
        _advance(session, improvement, STATUS_AFTER[decision], person.name, why)
        log.info("%s: %s %s by %s", format_id(improvement_id), gate, decision, person.name)
        return decision


def review_stage(improvement_id: int, round_: int) -> int:
    """The final capture of every objective for review ``round_`` (the round keeps a second
    review, after an extension, from being taken for a replay of the first). A failed capture is
    recorded and does not stop the review. Returns how many values were stored."""
    return len(capture_kind(improvement_id, SnapshotKind.final).stored)


def consolidate_stage(improvement_id: int) -> str:
    """Keep the lessons and close the improvement."""
    with transaction() as session:
        improvement = _get(session, improvement_id)
        _advance(session, improvement, Status.closed, FLOW, "consolidated; lessons learned kept")
        return improvement.status


def gate_description(improvement_id: int, gate: Gate) -> str:
    """Markdown shown above the decision form: what is being decided, and the facts for it."""
    with transaction(write=False) as session:
        detail = detail_of(session, _get(session, improvement_id))
        latest = latest_values(session, improvement_id)
    return gate_summary(detail, gate, latest)


def _get(session: Session, improvement_id: int) -> Improvement:
    return store.get_improvement(session, str(improvement_id))
