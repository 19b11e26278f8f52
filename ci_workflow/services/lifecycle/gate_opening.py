"""Opening a gate: record that it waits, tell who may decide, write the text above its decision
form. Kept apart from the stages that measure (``services.lifecycle.stages``), so the flow
process that records a decision and opens the next gate does not load the capture."""

from __future__ import annotations

import logging

from sqlmodel import Session

from ci_workflow.domain.authority.permissions import Action, allowed, informed_of, who_may_decide
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import STATUS_WHILE_WAITING, Gate, gate_key
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.formatting import one_line, plain
from ci_workflow.reports.gate_summary import gate_summary
from ci_workflow.reports.mail import gate_mail_text, gate_subject
from ci_workflow.services.lifecycle.gate_decisions import COSIGNED
from ci_workflow.services.people import notifications, watching
from ci_workflow.services.reporting.lessons import similar_to
from ci_workflow.services.views.gate_warnings import warnings_at
from ci_workflow.services.views.shapes import detail_of
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_request, take_over
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import latest_values
from ci_workflow.store.tables import GateRequest, Improvement

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


def advance(
    session: Session, improvement: Improvement, target: Status, actor: str, why: str
) -> None:
    """Move to ``target`` unless already there (a replayed or repeated stage)."""
    if improvement.status != target:
        store.change_status(session, improvement, target, actor=actor, reason=why)


def open_gate(improvement_id: int, gate: str, attempt: int, flow_run_id: str) -> str:
    """Record that ``gate`` waits for a decision, tell who may decide, return the form's text."""
    gate = Gate(gate)
    with transaction() as session:
        improvement = _get(session, improvement_id)
        request = find_request(session, improvement_id, gate, attempt)
        if request is not None and request.closed_at is None and request.flow_run_id != flow_run_id:
            # A new run replaying an improvement whose run was lost (``reconcile``): answers
            # go to it now, and a claim on the answer the lost run never recorded is void.
            take_over(session, request, flow_run_id=flow_run_id)
        if request is None:
            session.add(
                GateRequest(
                    improvement_id=improvement_id,
                    gate=gate,
                    attempt=attempt,
                    flow_run_id=flow_run_id,
                )
            )
            advance(session, improvement, STATUS_WHILE_WAITING[gate], FLOW, f"{gate} gate opened")
            _announce(session, improvement, gate, attempt, flow_run_id)
    notifications.dispatch()  # after the commit: a slow or failed send holds nothing up
    return gate_description(improvement_id, gate, attempt)


def _announce(
    session: Session, improvement: Improvement, gate: Gate, attempt: int, flow_run_id: str
) -> None:
    """Tell the people who may decide: the run's log, the audit trail, and a notification
    each (e-mail now or in their digest, and the webhook) saying what is asked and why, with a
    link to the gate's page."""
    parties = store.parties_of(session, improvement)
    separation = get_settings().separation_of_duties
    deciders = [
        p
        for p in load_directory(session).people
        if allowed(Action.decide, p, parties, gate=gate, separation=separation)
    ]
    shown, who = (
        format_id(improvement.id or 0),
        who_may_decide(gate, parties, separation=separation),
    )
    link = get_settings().link(f"/improvements/{shown}#decide")
    names = ", ".join(p.name for p in deciders) or "nobody holds that role yet"
    where = f"the workspace ({link})" if link else "the workspace"
    message = (
        f"{shown} waits at {gate} (attempt {attempt}) for {who}: {names}. Decide in {where}, "
        f"with `{_COMMANDS[gate].format(id=shown)}`, or in the Prefect UI: "
        f"{get_settings().ui_url}/runs/flow-run/{flow_run_id}"
    )
    log.info(message)
    record_event(
        session, improvement_id=improvement.id, actor=FLOW, action="gate_opened", detail=message
    )
    detail = detail_of(session, improvement)
    body = gate_mail_text(
        detail,
        gate,
        attempt=attempt,
        who=who,
        latest=latest_values(session, improvement.id or 0),
        warnings=warnings_at(session, improvement, gate),
    )
    notice = notifications.Message(
        kind="gate_opened",
        subject=gate_subject(detail, gate),
        body=body,
        link=link,
        improvement_id=improvement.id,
    )
    key = f"gate_opened:{improvement.id}:{gate_key(gate, attempt)}"
    notifications.queue(session, notice, key=key, people=deciders)
    watching.tell_gate_opened(
        session, improvement, gate, gate_key(gate, attempt), [p.id for p in deciders]
    )
    _inform_service_owners(session, improvement, gate, attempt, [p.id for p in deciders])


def _inform_service_owners(
    session: Session, improvement: Improvement, gate: Gate, attempt: int, deciders: list[int]
) -> None:
    """Service owners of its service are told (not asked) at plan approval and review."""
    owners = [
        p
        for p in load_directory(session).people
        if p.id not in deciders and informed_of(gate, p, improvement.service)
    ]
    if not owners:
        return
    shown, words = format_id(improvement.id or 0), gate.replace("_", " ")
    service = improvement.service or ""
    notice = notifications.Message(
        kind="service_informed",
        subject=f"{shown} for your service {one_line(service, 80)}: {words}",
        body=f"{shown} {plain(improvement.title)}, an improvement to {plain(service)}, waits at "
        f"{words} for its process owner. For your information; nothing to decide.",
        link=get_settings().link(f"/improvements/{shown}"),
        improvement_id=improvement.id,
    )
    key = f"service_informed:{improvement.id}:{gate_key(gate, attempt)}"
    notifications.queue(session, notice, key=key, people=owners, webhook=False)


def gate_description(improvement_id: int, gate: Gate, attempt: int = 1) -> str:
    """Markdown shown above the decision form: what is being decided, the facts for it, why
    the previous answer was refused, if it was; at plan approval, what similar closed
    improvements learned."""
    with transaction(write=False) as session:
        improvement = _get(session, improvement_id)
        detail = detail_of(session, improvement)
        latest = latest_values(session, improvement_id)
        previous = find_request(session, improvement_id, gate, attempt - 1) if attempt > 1 else None
        similar = similar_to(session, improvement) if gate == Gate.plan_approval else None
        warnings = [w.text for w in warnings_at(session, improvement, gate)]
    said = previous.refusal if previous is not None else None
    cosigned = previous is not None and previous.outcome == COSIGNED
    return gate_summary(
        detail,
        gate,
        latest,
        refused=None if cosigned else said,
        signed=said if cosigned else None,
        similar=similar,
        warnings=warnings,
    )


def _get(session: Session, improvement_id: int) -> Improvement:
    return store.get_improvement(session, str(improvement_id))
