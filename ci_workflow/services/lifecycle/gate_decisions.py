"""A gate's decision arriving in the flow: checked (signature, person, rule), then taken once,
or refused and audited so that the flow opens the gate again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority import cosign
from ci_workflow.domain.authority.actors import UNVERIFIED
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.authority.signing import signature_holds
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import STATUS_AFTER, Gate, Refusal, gate_key, refusal
from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.services.lifecycle.rework import unchanged_since_rework
from ci_workflow.services.people import watching
from ci_workflow.settings import get_settings, secret_key
from ci_workflow.store.audit import events_since_review, record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_decision, find_request
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import GateDecision, GateRequest, Improvement

log = logging.getLogger("ci_workflow.lifecycle")


class Outcome(StrEnum):
    taken = "taken"  # recorded once: the flow goes on with the decision
    refused = "refused"  # not taken, or the first of two signatures: the gate opens again
    ended = "ended"  # the improvement ended while it waited (withdrawn): the flow ends


@dataclass(frozen=True)
class GateOutcome:
    outcome: Outcome
    decision: str = ""  # taken: the decision; ended: the improvement's final status

    @property
    def for_flow(self) -> str:
        """What the lifecycle flow branches on: the decision, ``refused``, or the status."""
        return str(Outcome.refused) if self.outcome is Outcome.refused else self.decision


REFUSED = GateOutcome(Outcome.refused)


def decide_gate(
    improvement_id: int, gate: str, attempt: int, answer: dict[str, Any]
) -> GateOutcome:
    """Apply an answer to a gate: the decision taken, refused if it may not be taken (or, at a
    co-signed sign-off, when it is the first of two signatures), or the improvement ended.

    Authorisation is checked here, inside the flow, whatever channel (web, API, CLI, Prefect
    UI) sent the answer; an unsigned one counts only if IMPROVE_PREFECT_UI_DECISIONS allows.
    An accepted decision is one GateDecision row, written once.
    """
    gate = Gate(gate)
    key = gate_key(gate, attempt)
    with transaction() as session:
        recorded = _recorded(session, improvement_id, gate, attempt)
        if recorded is not None:
            return recorded
        request = find_request(session, improvement_id, gate, attempt)
        improvement = store.get_improvement(session, str(improvement_id))
        text = {k: str(answer.get(k) or "").strip() for k in TEXT_FIELDS}
        by, decision = text["by"], text["decision"]
        person = load_directory(session).find(by) if by else None
        channel, principal, unsigned = _origin(answer, text, request, key)
        parties = store.parties_of(session, improvement)
        refused, side = _judge(session, improvement_id, gate, text, person, parties, unsigned)
        waiting = side is not None and not side[1]  # one side signed, the other comes next
        _close(request, refused, decision, by, side if waiting else None)
        trail = partial(
            record_event,
            session,
            improvement_id=improvement_id,
            channel=channel,
            principal=principal,
        )
        if refused is not None:
            log.warning("%s: refused at %s: %s", format_id(improvement_id), key, refused.message)
            detail = f"{key}: {refused.message}"
            trail(actor=by or "unknown", action="gate_refused", detail=detail)
            return REFUSED
        assert person is not None
        if side is not None:
            detail = cosign.signature_detail(key, person.name, side[0])
            trail(actor=person.name, action=COSIGNED, detail=detail)
            if waiting:
                return REFUSED  # the flow opens the gate again for the other side
        _accept(session, improvement, gate, attempt, answer, text, person, channel, principal)
        return GateOutcome(Outcome.taken, decision)


def recorded_outcome(improvement_id: int, gate: str, attempt: int) -> str | None:
    """What the flow branches on at this gate if the register already has its outcome (a new
    run replaying an improvement whose earlier run was lost), else None: wait for an answer."""
    with transaction(write=False) as session:
        recorded = _recorded(session, improvement_id, Gate(gate), attempt)
    return recorded.for_flow if recorded is not None else None


def _recorded(
    session: Session, improvement_id: int, gate: Gate, attempt: int
) -> GateOutcome | None:
    """The decision taken at this gate and attempt, its refusal, or the improvement's end."""
    done = find_decision(session, improvement_id, gate, attempt)
    if done is not None:
        return GateOutcome(Outcome.taken, done.decision)
    request = find_request(session, improvement_id, gate, attempt)
    if request is not None and request.outcome in ("refused", COSIGNED):
        return REFUSED  # the flow opens the gate again
    improvement = store.get_improvement(session, str(improvement_id))
    if improvement.status in TERMINAL:
        return GateOutcome(Outcome.ended, improvement.status)
    return None


def _judge(
    session: Session,
    improvement_id: int,
    gate: Gate,
    text: dict[str, str],
    person: PersonView | None,
    parties: Parties,
    unsigned: Refusal | None,
) -> tuple[Refusal | None, tuple[str, bool] | None]:
    """Whether the rule lets this person take the decision; at a co-signed gate, the side
    their signature takes and whether both sides have now signed."""
    refused = unsigned or refusal(
        gate,
        text["decision"],
        by=text["by"],
        person=person,
        parties=parties,
        comment=text["comment"],
        lessons=text["lessons"],
        separation=get_settings().separation_of_duties,
        unchanged=gate == Gate.resubmitted and unchanged_since_rework(session, improvement_id),
    )
    if refused is not None or person is None:
        return refused, None
    signs = _co_signature(session, improvement_id, gate, text["decision"], person, parties)
    if isinstance(signs, str):
        return Refusal("not_allowed", signs), None
    return None, signs


def _close(
    request: GateRequest | None,
    refused: Refusal | None,
    decision: str,
    by: str,
    waiting: tuple[str, bool] | None,
) -> None:
    """The gate's request closed with what became of its answer."""
    if request is None:
        return
    request.closed_at = utcnow()
    request.outcome = "refused" if refused else COSIGNED if waiting else decision
    request.refusal = refused.message if refused else None
    if waiting is not None:
        other = next(s for s in cosign.BOTH if s != waiting[0])
        request.refusal = f"{by} signed as {waiting[0]}; a {other} must co-sign"


TEXT_FIELDS = ("by", "decision", "comment", "lessons", "channel", "principal", "signature")
COSIGNED = "gate_cosigned"


def _co_signature(
    session: Session,
    improvement_id: int,
    gate: Gate,
    decision: str,
    person: PersonView,
    parties: Parties,
) -> tuple[str, bool] | str | None:
    """For an accept of a co-signed sign-off: the side this answer signs and whether both are
    then signed, or why it may not sign; None where no co-sign is asked."""
    if gate != Gate.review_signoff or not parties.cosigned or decision != "accept":
        return None
    signed: dict[str, str] = {}
    for event in events_since_review(session, improvement_id):
        found = cosign.signer_of(event.detail) if event.action == COSIGNED else None
        if found is not None:
            signed[found[0]] = found[1]
    return cosign.take(signed, person.name, cosign.sides(person, parties))


def _origin(
    answer: dict[str, Any], text: dict[str, str], request: GateRequest | None, key: str
) -> tuple[str, str, Refusal | None]:
    """How the answer arrived and who sent it, if its signature holds; else the Prefect UI,
    unverified, and the refusal when unsigned answers do not count."""
    signature = text["signature"]
    run = request.flow_run_id if request is not None else None
    if run and signature_holds(
        secret_key(),
        signature,
        flow_run_id=run,
        gate_key=key,
        decision=text["decision"],
        by=text["by"],
        channel=text["channel"],
        principal=text["principal"],
        carries=answer,
    ):
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
            improvement_id=improvement.id or 0,
            gate=gate,
            attempt=attempt,
            decision=decision,
            decided_by_id=person.id,
            decided_at=utcnow(),
            comment=comment or text["lessons"],
            flow_run_id=improvement.flow_run_id,
            channel=channel,
            principal=principal,
        )
    )
    if decision == "accept":
        improvement.lessons_learned = text["lessons"]
        if answer.get("realised_gain") is not None:
            improvement.realised_gain = float(answer["realised_gain"])
        if answer.get("actual_cost") is not None:
            improvement.actual_cost = float(answer["actual_cost"])
    why = f"{gate}: {decision}" + (f" ({comment})" if comment else "")
    if improvement.status != STATUS_AFTER[decision]:
        store.change_status(
            session,
            improvement,
            STATUS_AFTER[decision],
            actor=person.name,
            reason=why,
            channel=channel,
            principal=principal,
        )
    watching.tell_decision(session, improvement, gate_key(gate, attempt), decision, person)
    log.info(
        "%s: %s %s by %s via %s",
        format_id(improvement.id or 0),
        gate,
        decision,
        person.name,
        channel,
    )
