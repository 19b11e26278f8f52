"""Deciding a gate from any channel (CLI, workspace, API): the decision checked, the gate
claimed so that one answer reaches it, the run answered (signed), the claim given back if the
orchestrator did not take it. The flow checks the same rule again when the answer arrives
(``gate_decisions``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority.actors import SIGN_IN_FIRST, Actor
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.signing import decision_signature
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import (
    CLAIM_EXPIRY,
    UNCHANGED_RESUBMIT,
    Gate,
    gate_key,
    refusal,
)
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status
from ci_workflow.errors import GateError, UsageError, WarningsUnconfirmed
from ci_workflow.services.lifecycle.rework import unchanged_since_rework
from ci_workflow.services.lifecycle.runs import Runs
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.views.gate_warnings import to_confirm, unconfirmed
from ci_workflow.settings import get_settings, secret_key
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import claim_request, open_requests, release_request
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import GateRequest, Improvement

log = logging.getLogger("ci_workflow.gates")


def send_decision(
    ref: str,
    gate: Gate,
    decision: str,
    *,
    actor: Actor,
    runs: Runs,
    by: str | None = None,
    confirm: bool = False,
    **fields: Any,
) -> Resumption:
    """Check the decision, claim the gate, answer the run (signed); the claim is given back if
    the orchestrator does not take the answer. Returns what was sent. ``confirm``: the person
    read the gate's warnings (completing or signing off over them needs it)."""
    resumption = prepare_decision(
        ref, gate, decision, actor=actor, by=by, confirm=confirm, **fields
    )
    claim(resumption, actor)
    try:
        runs.resume(resumption.flow_run_id, resumption.key, resumption.run_input)
    except BaseException:
        release(resumption)
        raise
    return resumption


def _confirmation(resumption: Resumption) -> str:
    """The trail's words: who went on over the warnings, and which."""
    count = len(resumption.warnings)
    return (
        f"{resumption.run_input['by']} confirmed {resumption.run_input['decision']} at "
        f"{resumption.key} over {count} warning{'s' if count != 1 else ''}: "
        + " | ".join(resumption.warnings)
    )


@dataclass(frozen=True)
class Resumption:
    """What to send to which flow run to answer the gate that is waiting."""

    shown_id: str
    flow_run_id: str
    gate: Gate
    key: str
    run_input: dict[str, Any]
    request_id: int
    improvement_id: int = 0
    warnings: tuple[str, ...] = ()  # confirmed by the decider: the claim's trail says so


def prepare_decision(
    ref: str,
    gate: Gate,
    decision: str,
    *,
    actor: Actor,
    by: str | None = None,
    confirm: bool = False,
    **fields: Any,
) -> Resumption:
    """Check a decision before sending it: the gate waits, the person may take it, it is
    complete; sign it for the flow, which checks it again with the same rule.

    The person deciding is the signed-in one (web, API), or the one ``by`` names on the CLI.
    """
    comment, lessons = fields.get("comment") or "", fields.get("lessons") or ""
    settings = get_settings()
    if settings.require_login and actor.channel == "cli":  # a decision is always a person's
        raise refuse(actor, SIGN_IN_FIRST)
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        shown = format_id(improvement.id)
        named = by if by is not None else (actor.person.name if actor.person else "")
        person = load_directory(session).find(named)
        if actor.channel in ("web", "api"):
            person = actor.person
        refused = refusal(
            gate,
            decision,
            by=named,
            person=person,
            parties=store.parties_of(session, improvement),
            comment=comment,
            lessons=lessons,
            improvement=shown,
            separation=settings.separation_of_duties,
            unchanged=gate == Gate.resubmitted and unchanged_since_rework(session, improvement.id),
        )
        if refused is not None and refused.message == UNCHANGED_RESUBMIT:
            raise UsageError(_unchanged(actor))
        if refused is not None and refused.kind in ("bad_decision", "missing_text"):
            raise UsageError(_missing(decision, refused.field, actor) or refused.message)
        request = _waiting_at(session, improvement, gate, person)
        warnings = to_confirm(session, improvement, gate, decision)
    if refused is not None:
        raise refuse(actor, refused.message, improvement_id=improvement.id)
    if warnings and not confirm:
        raise WarningsUnconfirmed(unconfirmed(shown, gate, decision, warnings, actor.channel))
    assert person is not None and request.flow_run_id is not None
    key = gate_key(gate, request.attempt)
    run_input = _signed(person.name, decision, actor, request.flow_run_id, key, fields)
    ids = (request.id or 0, improvement.id)
    return Resumption(shown, request.flow_run_id, gate, key, run_input, *ids, tuple(warnings))


def _signed(
    by: str, decision: str, actor: Actor, flow_run_id: str, key: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """The answer for the run, signed over everything it says: the flow refuses one changed
    on its way."""
    signed = {
        "by": by,
        "decision": decision,
        "channel": actor.channel,
        "principal": actor.principal,
    }
    carries = {k: v for k, v in fields.items() if v is not None}
    signature = decision_signature(
        secret_key(), flow_run_id=flow_run_id, gate_key=key, carries=carries, **signed
    )
    return {**signed, "signature": signature, **carries}


def claim(resumption: Resumption, actor: Actor | None = None) -> None:
    """Make this command the only one answering the gate: Prefect can accept two racing
    resumes of one run, so only the command holding the claim sends its answer. A decision
    taken over warnings is recorded as ``actor``'s confirmation with the claim, before the run
    is answered (a run that takes the answer at once may hold the register a while)."""
    with transaction() as session:
        won = claim_request(
            session,
            resumption.request_id,
            by=resumption.run_input["by"],
            now=utcnow(),
            expiry=CLAIM_EXPIRY,
        )
        if won and actor is not None and resumption.warnings:
            detail = _confirmation(resumption)
            where = resumption.improvement_id
            record_act(
                session, actor, improvement_id=where, action="warnings_confirmed", detail=detail
            )
    if not won:
        holder = claim_holder(resumption.request_id)
        if holder == resumption.run_input["by"]:
            raise GateError(
                f"you already decided {resumption.shown_id}'s {resumption.key}; the flow is "
                "taking your decision"
            )
        raise GateError(f"another decision reached {resumption.shown_id}'s {resumption.key} first")


def _missing(decision: str, field: str | None, actor: Actor) -> str | None:
    """What a decision lacks, in the words of the channel it came by: a flag on the command
    line, a field of the form in the workspace. None when it lacks no text (``field`` empty:
    a decision the gate does not take, told in the rule's words)."""
    if not field:
        return None
    if actor.channel == "cli":
        return f"{decision} needs --{field}"
    return f"To {decision}, write the {field.replace('_', ' ')} first."


def _unchanged(actor: Actor) -> str:
    """Resubmitting unchanged, in the words of the channel."""
    if actor.channel == "cli":
        return f"{UNCHANGED_RESUBMIT} (--comment)"
    return (
        "Nothing changed since the rework: edit the improvement first, or write in the "
        "comment why you resubmit it unchanged."
    )


def _waiting_at(
    session: Session, improvement: Improvement, gate: Gate, person: PersonView | None
) -> GateRequest:
    """The request of ``gate`` the improvement waits at; else why not, in one line: a decision
    of this person's while the flow moves on, or where the improvement stands."""
    shown, waiting = format_id(improvement.id or 0), open_requests(session, improvement.id)
    moving = improvement.status not in TERMINAL and improvement.status != Status.closed
    if moving and (not waiting or waiting[-1].gate != gate):
        said = _yours(session, improvement.id or 0, person, gate)
        if said is not None:  # a second click, or the command run twice
            raise GateError(said)
    if not waiting:
        raise GateError(f"{shown} is not waiting at any gate (status {improvement.status})")
    if waiting[-1].gate != gate:
        raise GateError(f"{shown} is waiting at {waiting[-1].gate}, not at {gate}")
    return waiting[-1]


def already_decided(ref: str, key: str, actor: Actor) -> str | None:
    """ "you already decided ..." when the signed-in person took the decision of the gate a form
    was made for (``key``, e.g. ``plan-approval-1``); None otherwise."""
    gate_name, _, attempt = key.rpartition("-")
    gate = Gate.__members__.get(gate_name.replace("-", "_"))
    if gate is None or not attempt.isdigit() or actor.person is None:
        return None
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        return _yours(session, improvement.id or 0, actor.person, gate, int(attempt))


def _yours(
    session: Session,
    improvement_id: int,
    person: PersonView | None,
    gate: Gate,
    attempt: int | None = None,
) -> str | None:
    """The words for a decision ``person`` took at ``gate`` (its latest attempt, or ``attempt``)."""
    taken = [
        d
        for d in store.decisions_of(session, improvement_id)
        if d.gate == gate and attempt in (None, d.attempt)
    ]
    if person is None or not taken or taken[-1].decided_by_id != person.id:
        return None
    last = taken[-1]
    return f"you already decided {gate_key(gate, last.attempt)}: {last.decision}"


def claim_holder(request_id: int) -> str | None:
    with transaction(write=False) as session:
        request = session.get(GateRequest, request_id)
        return request.claimed_by if request is not None else None


def release(resumption: Resumption) -> None:
    """Give the claim back after an answer that Prefect did not take."""
    with transaction() as session:
        release_request(session, resumption.request_id, by=resumption.run_input["by"])
