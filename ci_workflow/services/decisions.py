"""A gate's decision arriving in the flow: checked (signature, person, rule), then taken once,
or refused and audited so that the flow opens the gate again."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.actors import UNVERIFIED
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.gates import STATUS_AFTER, Gate, Refusal, gate_key, refusal
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import TERMINAL
from ci_workflow.domain.people import PersonView
from ci_workflow.domain.signing import signature_holds
from ci_workflow.settings import get_settings, secret_key
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_decision, find_request
from ci_workflow.store.people import load_directory
from ci_workflow.store.tables import GateDecision, GateRequest, Improvement

log = logging.getLogger("ci_workflow.lifecycle")


def decide_gate(improvement_id: int, gate: str, attempt: int, answer: dict[str, Any]) -> str:
    """Apply an answer to a gate: the decision taken, or ``refused`` if it may not be taken.

    Authorisation is checked here, inside the flow, whatever channel (web, API, CLI, Prefect
    UI) sent the answer; an unsigned one counts only if IMPROVE_PREFECT_UI_DECISIONS allows.
    An accepted decision is one GateDecision row, written once.
    """
    gate = Gate(gate)
    key = gate_key(gate, attempt)
    with transaction() as session:
        done = find_decision(session, improvement_id, gate, attempt)
        if done is not None:
            return done.decision
        request = find_request(session, improvement_id, gate, attempt)
        if request is not None and request.outcome == "refused":
            return "refused"
        improvement = store.get_improvement(session, str(improvement_id))
        if improvement.status in TERMINAL:
            return improvement.status  # withdrawn while waiting: the flow ends here
        text = {k: str(answer.get(k) or "").strip() for k in TEXT_FIELDS}
        by, decision = text["by"], text["decision"]
        person = load_directory(session).find(by) if by else None
        channel, principal, unsigned = _origin(answer, text, request, key)
        refused = unsigned or refusal(
            gate, decision, by=by, person=person, parties=store.parties_of(session, improvement),
            comment=text["comment"], lessons=text["lessons"],
            separation=get_settings().separation_of_duties,
        )  # fmt: skip
        if request is not None:
            request.closed_at, request.outcome = utcnow(), "refused" if refused else decision
            request.refusal = refused.message if refused else None
            session.add(request)
        if refused is not None:
            log.warning("%s: refused at %s: %s", format_id(improvement_id), key, refused.message)
            record_event(
                session, improvement_id=improvement_id, actor=by or "unknown",
                action="gate_refused", detail=f"{key}: {refused.message}", channel=channel,
                principal=principal,
            )  # fmt: skip
            return "refused"
        assert person is not None
        _accept(session, improvement, gate, attempt, answer, text, person, channel, principal)
        return decision


TEXT_FIELDS = ("by", "decision", "comment", "lessons", "channel", "principal", "signature")


def _origin(
    answer: dict[str, Any], text: dict[str, str], request: GateRequest | None, key: str
) -> tuple[str, str, Refusal | None]:
    """How the answer arrived and who sent it, if its signature holds; else the Prefect UI,
    unverified, and the refusal when unsigned answers do not count."""
    signature = text["signature"]
    run = request.flow_run_id if request is not None else None
    if run and signature_holds(
        secret_key(), signature, flow_run_id=run, gate_key=key, decision=text["decision"],
        by=text["by"], channel=text["channel"], principal=text["principal"],
    ):  # fmt: skip
        return text["channel"], text["principal"], None
    if get_settings().prefect_ui_decisions == "refuse":
        why = (
            "an unsigned answer (typed into the Prefect UI, or sent to Prefect's API) does not "
            "count here (IMPROVE_PREFECT_UI_DECISIONS=refuse): decide in the workspace or with "
            "improve"
        )
        return "prefect-ui", UNVERIFIED, Refusal("not_allowed", why)
    return "prefect-ui", UNVERIFIED, None


def _accept(
    session: Session,
    improvement: Improvement,
    gate: Gate,
    attempt: int,
    answer: dict[str, Any],
    text: dict[str, str],
    person: PersonView,
    channel: str,
    principal: str,
) -> None:
    decision, comment = text["decision"], text["comment"]
    session.add(
        GateDecision(
            improvement_id=improvement.id or 0, gate=gate, attempt=attempt, decision=decision,
            decided_by_id=person.id, decided_at=utcnow(), comment=comment or text["lessons"],
            flow_run_id=improvement.flow_run_id, channel=channel, principal=principal,
        )
    )  # fmt: skip
    if decision == "accept":
        improvement.lessons_learned = text["lessons"]
        if answer.get("realised_gain") is not None:
            improvement.realised_gain = float(answer["realised_gain"])
        if answer.get("actual_cost") is not None:
            improvement.actual_cost = float(answer["actual_cost"])
    why = f"{gate}: {decision}" + (f" ({comment})" if comment else "")
    if improvement.status != STATUS_AFTER[decision]:
        store.change_status(
            session, improvement, STATUS_AFTER[decision], actor=person.name, reason=why,
            channel=channel, principal=principal,
        )  # fmt: skip
    log.info("%s: %s %s by %s via %s", format_id(improvement.id or 0), gate, decision,
             person.name, channel)  # fmt: skip
