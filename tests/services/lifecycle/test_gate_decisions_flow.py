"""A decision arriving in the flow (``gate_decisions``): taken once, whatever replays it; refused
and audited as it came (channel, principal, who, why) with the gate's request closed in the
same words; the decision row, the figures and the status change as the person gave them; and
the run's log lines people read in Prefect."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import (
    Outcome,
    decide_gate,
    recorded_outcome,
)
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.withdraw import withdraw
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_request
from ci_workflow.store.tables import GateDecision, GateRequest
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

RUN = "run-1"
APPROVE = {"by": "Omar Haddad", "decision": "approve"}


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> int:
    """IMP-0001 in its lifecycle run, waiting at plan approval."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, RUN)
    open_gate(1, "plan_approval", 1, RUN)
    return 1


def request(gate: str, attempt: int) -> GateRequest:
    with transaction(write=False) as session:
        found = find_request(session, 1, Gate(gate), attempt)
    assert found is not None
    return found


def decisions() -> list[GateDecision]:
    with transaction(write=False) as session:
        return list(session.exec(select(GateDecision).order_by(GateDecision.id)))  # type: ignore[arg-type]


def events(action: str) -> list[Any]:
    return [e for e in audit_trail("IMP-0001")[1] if e.action == action]


def run_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ci_workflow.lifecycle"]


# --- taken once ---


def test_a_decision_is_taken_once_however_often_the_flow_replays_it(waiting: int) -> None:
    assert decide_gate(1, "plan_approval", 1, APPROVE).for_flow == "approve"
    reject = {"by": "Carmen Ruiz", "decision": "reject", "comment": "Too late"}
    replayed = decide_gate(1, "plan_approval", 1, reject)
    assert (replayed.outcome, replayed.for_flow) == (Outcome.taken, "approve")
    assert [(d.decision, d.attempt) for d in decisions()] == [("approve", 1)]
    assert show_improvement("IMP-0001").status == "approved"
    assert recorded_outcome(1, "plan_approval", 1) == "approve"


def test_an_answer_refused_stays_refused_for_its_attempt(waiting: int) -> None:
    assert recorded_outcome(1, "plan_approval", 1) is None  # waiting for an answer
    priya = {"by": "Priya Nair", "decision": "approve"}
    assert decide_gate(1, "plan_approval", 1, priya).for_flow == "refused"
    assert decide_gate(1, "plan_approval", 1, APPROVE).for_flow == "refused"
    assert recorded_outcome(1, "plan_approval", 1) == "refused"
    assert decisions() == [] and show_improvement("IMP-0001").status == "awaiting_approval"
    open_gate(1, "plan_approval", 2, RUN)  # the flow asks again
    assert decide_gate(1, "plan_approval", 2, APPROVE).for_flow == "approve"
    assert [(d.decision, d.attempt) for d in decisions()] == [("approve", 2)]


def test_an_improvement_withdrawn_while_it_waited_ends_the_flow(waiting: int) -> None:
    withdraw(
        "IMP-0001",
        actor=operating_system("lena", person_view_of("Lena Fischer")),
        reason="No longer needed",
    )
    ended = decide_gate(1, "plan_approval", 1, APPROVE)
    assert (ended.outcome, ended.for_flow) == (Outcome.ended, "withdrawn")
    assert recorded_outcome(1, "plan_approval", 1) == "withdrawn"
    assert decisions() == []


# --- refused: audited as it came, the request closed in the same words ---


def test_a_refusal_is_audited_with_its_channel_and_closes_the_request(
    waiting: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ci_workflow.lifecycle")
    priya = {"by": "Priya Nair", "decision": "approve"}
    assert decide_gate(1, "plan_approval", 1, priya).outcome is Outcome.refused
    why = (
        "Priya Nair may not decide plan_approval: only a process owner of 'Incident Management' "
        "or a CI manager may"
    )
    (event,) = events("gate_refused")
    assert (event.actor, event.channel, event.principal) == (
        "Priya Nair",
        "prefect-ui",
        "unverified",
    )
    assert event.detail == f"plan-approval-1: {why}"
    closed = request("plan_approval", 1)
    assert (closed.outcome, closed.refusal) == ("refused", why)
    assert closed.closed_at is not None
    assert run_log(caplog) == [f"IMP-0001: refused at plan-approval-1: {why}"]


def test_a_signed_answer_refused_is_audited_as_its_channel_and_principal(
    waiting: int, cli: Cli
) -> None:
    sent = prepare_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=operating_system("omar"), by="Omar Haddad"
    )
    cli.ok("people", "deactivate", "Omar Haddad")  # before the flow took the answer
    assert decide_gate(1, "plan_approval", 1, sent.run_input).outcome is Outcome.refused
    (event,) = events("gate_refused")
    assert (event.actor, event.channel, event.principal) == ("Omar Haddad", "cli", "os:omar")
    assert event.detail == "plan-approval-1: Omar Haddad is deactivated and may decide nothing"


def test_an_answer_naming_nobody_is_refused_as_unknown(waiting: int) -> None:
    assert decide_gate(1, "plan_approval", 1, {"decision": "approve"}).outcome is Outcome.refused
    (event,) = events("gate_refused")
    assert event.actor == "unknown"
    assert event.detail == "plan-approval-1: unknown person '' (see `improve people list`)"


# --- taken: the row, the figures, the status change and the log ---


def test_a_decision_taken_is_recorded_as_given_with_its_status_change(
    waiting: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ci_workflow.lifecycle")
    before = utcnow()
    rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Aim higher"}
    assert decide_gate(1, "plan_approval", 1, rework).for_flow == "rework"
    (row,) = decisions()
    assert (row.decision, row.comment, row.flow_run_id) == ("rework", "Aim higher", RUN)
    assert (row.channel, row.principal) == ("prefect-ui", "unverified")
    assert before <= row.decided_at.replace(tzinfo=before.tzinfo) <= utcnow()
    closed = request("plan_approval", 1)
    assert (closed.outcome, closed.refusal) == ("rework", None)
    moved = events("status_changed")[-1]
    assert (moved.from_status, moved.to_status) == ("awaiting_approval", "defined")
    assert moved.detail == "plan_approval: rework (Aim higher)"
    assert (moved.actor, moved.channel, moved.principal) == (
        "Omar Haddad",
        "prefect-ui",
        "unverified",
    )
    assert run_log(caplog) == ["IMP-0001: plan_approval rework by Omar Haddad via prefect-ui"]


def test_a_decision_without_a_comment_says_only_gate_and_decision(waiting: int) -> None:
    sent = prepare_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=operating_system("omar"), by="Omar Haddad"
    )
    assert decide_gate(1, "plan_approval", 1, sent.run_input).for_flow == "approve"
    moved = events("status_changed")[-1]
    assert (moved.detail, moved.to_status) == ("plan_approval: approve", "approved")
    assert (moved.channel, moved.principal) == ("cli", "os:omar")


def test_an_accept_records_its_lessons_and_figures(waiting: int) -> None:
    move_to("in_review")
    open_gate(1, "review_signoff", 1, RUN)
    accept = {
        "by": "Omar Haddad",
        "decision": "accept",
        "lessons": "Route by category first",
        "realised_gain": "41000",
        "actual_cost": 13500,
    }
    assert decide_gate(1, "review_signoff", 1, accept).for_flow == "accept"
    shown = show_improvement("IMP-0001")
    assert shown.lessons_learned == "Route by category first"
    assert (shown.realised_gain, shown.actual_cost) == (41000.0, 13500.0)
    (row,) = decisions()
    assert row.comment == "Route by category first"  # the lessons, when no comment is given


def test_an_accept_with_a_comment_keeps_the_comment_on_the_decision(waiting: int) -> None:
    move_to("in_review")
    open_gate(1, "review_signoff", 1, RUN)
    accept = {
        "by": "Omar Haddad",
        "decision": "accept",
        "lessons": "Route first",
        "comment": "Well done",
    }
    assert decide_gate(1, "review_signoff", 1, accept).for_flow == "accept"
    (row,) = decisions()
    assert row.comment == "Well done"
    shown = show_improvement("IMP-0001")
    assert shown.lessons_learned == "Route first"
    assert (shown.realised_gain, shown.actual_cost) == (None, None)


# --- co-signed sign-off ---


def _sign(attempt: int, by: str) -> str:
    run = str(uuid.uuid4())
    open_gate(1, "review_signoff", attempt, run)
    answer = {"by": by, "decision": "accept", "lessons": "Route first"}
    return decide_gate(1, "review_signoff", attempt, answer).for_flow


def test_the_second_signature_closes_the_request_with_the_decision(reviewed: None) -> None:
    assert _sign(1, "Omar Haddad") == "refused"
    first = request("review_signoff", 1)
    assert (first.outcome, first.refusal) == (
        "gate_cosigned",
        "Omar Haddad signed as process owner; a service owner must co-sign",
    )
    assert _sign(2, "Sam Berg") == "accept"
    second = request("review_signoff", 2)
    assert (second.outcome, second.refusal) == ("accept", None)


def test_only_a_signature_in_the_trail_counts_as_one(reviewed: None) -> None:
    with transaction() as session:  # a note that reads like a signature is none
        record_event(
            session,
            improvement_id=1,
            actor="Priya Nair",
            action="value_recorded",
            detail="review-signoff-1: Omar Haddad signed as process owner",
        )
    assert _sign(1, "Sam Berg") == "refused"  # still the first signature
    assert show_improvement("IMP-0001").status == "in_review"


def test_where_unsigned_answers_do_not_count_one_is_refused_in_these_words(
    waiting: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_PREFECT_UI_DECISIONS", "refuse")
    get_settings.cache_clear()
    assert decide_gate(1, "plan_approval", 1, APPROVE).outcome is Outcome.refused
    why = (
        "an unsigned answer (typed into the Prefect UI, or sent to Prefect's API) does not count "
        "here (IMPROVE_PREFECT_UI_DECISIONS=refuse): decide in the workspace or with improve"
    )
    (event,) = events("gate_refused")
    assert (event.detail, event.channel, event.principal) == (
        f"plan-approval-1: {why}",
        "prefect-ui",
        "unverified",
    )
    assert request("plan_approval", 1).refusal == why
    assert decisions() == []


def test_an_answer_to_a_gate_with_no_request_on_record_is_still_judged(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    # A run that waited before its request was recorded: nothing to close, no run to sign for.
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("awaiting_approval")
    assert decide_gate(1, "plan_approval", 1, APPROVE).for_flow == "approve"
    (row,) = decisions()
    assert (row.channel, row.principal) == ("prefect-ui", "unverified")
