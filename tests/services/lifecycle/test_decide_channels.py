"""Deciding a gate from each channel (``decide``): who the decision is taken for, what it is
refused for and in whose words, which gate it answers, and the claim that lets one answer reach
the run, given back when the orchestrator does not take it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ci_workflow.domain.authority.actors import SIGN_IN_FIRST, Actor, operating_system, signed_in
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import GateError, NotAuthorised, UsageError
from ci_workflow.services.lifecycle.decide import (
    claim,
    claim_holder,
    prepare_decision,
    send_decision,
)
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.runs import RunState
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.browse import audit_trail
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

CLI = operating_system("tester")


class Orchestrator:
    """Runs as the use case sees them: remembers each answer, or refuses it."""

    def __init__(self, fails: bool = False) -> None:
        self.fails = fails
        self.resumed: list[tuple[str, str, dict[str, Any]]] = []

    def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
        if self.fails:
            raise ConnectionError("Prefect is unreachable")
        self.resumed.append((flow_run_id, key, run_input))

    def start(self, improvement_id: int, shown_id: str, title: str) -> str:
        raise AssertionError("deciding starts no run")

    def state(self, flow_run_id: str) -> RunState:
        raise AssertionError("deciding reads no run's state")

    def cancel(self, flow_run_id: str) -> bool:
        raise AssertionError("deciding cancels no run")


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> int:
    """IMP-0001 waiting at plan approval in run-1."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, "run-1")
    open_gate(1, "plan_approval", 1, "run-1")
    return 1


def forbidden() -> list[AuditEvent]:
    """Every refusal audited, with or without an improvement."""
    with transaction(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.action == "forbidden")
        return list(session.exec(query.order_by(AuditEvent.id)))  # type: ignore[arg-type]


def login_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPROVE_REQUIRE_LOGIN", "true")
    get_settings.cache_clear()


# --- send_decision: the answer, its gate, and the claim ---


def test_what_is_sent_is_the_checked_answer_to_the_waiting_gate(waiting: int) -> None:
    runs = Orchestrator()
    sent = send_decision(
        "IMP-0001",
        Gate.plan_approval,
        "rework",
        actor=CLI,
        runs=runs,
        by="Omar Haddad",
        comment="Say how routing is measured",
    )
    ((run, key, run_input),) = runs.resumed
    assert (run, key) == ("run-1", "plan-approval-1")
    assert run_input == sent.run_input
    assert run_input["comment"] == "Say how routing is measured"
    assert (sent.gate, sent.shown_id) == (Gate.plan_approval, "IMP-0001")
    assert claim_holder(sent.request_id) == "Omar Haddad"  # held until the flow takes it


def test_a_comment_the_decision_needs_is_read_from_what_is_sent(waiting: int) -> None:
    with pytest.raises(UsageError, match="rework needs --comment"):
        send_decision(
            "IMP-0001",
            Gate.plan_approval,
            "rework",
            actor=CLI,
            runs=Orchestrator(),
            by="Omar Haddad",
        )


def test_an_answer_the_orchestrator_refuses_gives_the_gate_back(waiting: int) -> None:
    with pytest.raises(ConnectionError):
        send_decision(
            "IMP-0001",
            Gate.plan_approval,
            "approve",
            actor=CLI,
            runs=Orchestrator(fails=True),
            by="Omar Haddad",
        )
    runs = Orchestrator()
    sent = send_decision(
        "IMP-0001",
        Gate.plan_approval,
        "reject",
        actor=CLI,
        runs=runs,
        by="Carmen Ruiz",
        comment="Not now",
    )
    assert claim_holder(sent.request_id) == "Carmen Ruiz"
    assert [key for _, key, _ in runs.resumed] == ["plan-approval-1"]


def test_the_same_person_deciding_twice_is_told_the_flow_is_taking_it(waiting: int) -> None:
    first = prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    again = prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    claim(first)
    with pytest.raises(GateError) as told:
        claim(again)
    assert str(told.value) == (
        "you already decided IMP-0001's plan-approval-1; the flow is taking your decision"
    )


def test_nobody_holds_a_gate_that_does_not_exist(waiting: int) -> None:
    assert claim_holder(999) is None


# --- prepare_decision: whose decision, and refused in whose words ---


def test_the_cli_decides_for_the_person_it_acts_as_when_no_one_is_named(waiting: int) -> None:
    omar = operating_system("omar", person_view_of("Omar Haddad"))
    sent = prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=omar)
    assert sent.run_input["by"] == "Omar Haddad"
    assert sent.run_input["principal"] == "os:omar"


def test_the_cli_acting_for_nobody_must_name_someone(waiting: int) -> None:
    with pytest.raises(NotAuthorised) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI)
    assert str(refused.value) == "unknown person '' (see `improve people list`)"


def test_an_unknown_person_is_named_in_the_refusal_and_the_trail(waiting: int) -> None:
    with pytest.raises(NotAuthorised) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Nobody Here")
    assert str(refused.value) == "unknown person 'Nobody Here' (see `improve people list`)"
    (event,) = [e for e in audit_trail("IMP-0001")[1] if e.action == "forbidden"]
    assert event.detail == str(refused.value)
    assert (event.actor, event.channel, event.principal) == ("os:tester", "cli", "os:tester")


def test_someone_not_allowed_is_told_which_improvement_and_who_may(waiting: int) -> None:
    with pytest.raises(NotAuthorised) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Priya Nair")
    assert "Priya Nair may not decide plan_approval of IMP-0001: only " in str(refused.value)
    (event,) = [e for e in audit_trail("IMP-0001")[1] if e.action == "forbidden"]
    assert event.detail == str(refused.value)


@pytest.mark.parametrize("channel", ["web", "api"])
def test_signed_in_a_person_decides_as_themselves_whoever_they_name(
    waiting: int, channel: Any
) -> None:
    omar = signed_in(person_view_of("Omar Haddad"), channel)
    sent = prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=omar)
    assert (sent.run_input["by"], sent.run_input["channel"]) == ("Omar Haddad", channel)
    assert sent.run_input["principal"] == "omar@example.org"
    lena = signed_in(person_view_of("Lena Fischer"), channel)
    with pytest.raises(NotAuthorised, match=r"^Lena Fischer may not decide plan_approval"):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=lena, by="Omar Haddad")


def test_with_login_required_the_cli_decides_for_nobody(
    waiting: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_required(monkeypatch)
    with pytest.raises(NotAuthorised) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    assert str(refused.value) == SIGN_IN_FIRST
    (event,) = forbidden()
    assert (event.detail, event.actor, event.channel) == (SIGN_IN_FIRST, "os:tester", "cli")
    # Signed in through the API (``improve login``), the same person decides.
    omar = Actor("api", "omar@example.org", person_view_of("Omar Haddad"))
    assert prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=omar)


def test_an_accept_without_lessons_is_refused_before_it_is_sent(waiting: int) -> None:
    move_to("in_review")
    open_gate(1, "review_signoff", 1, "run-1")
    with pytest.raises(UsageError, match=r"^accept needs --lessons$"):
        prepare_decision("IMP-0001", Gate.review_signoff, "accept", actor=CLI, by="Omar Haddad")
    sent = prepare_decision(
        "IMP-0001",
        Gate.review_signoff,
        "accept",
        actor=CLI,
        by="Omar Haddad",
        lessons="Route by category",
        confirm=True,  # nothing was measured: a warning stands (test_gate_warnings)
    )
    assert sent.key == "review-signoff-1"


def test_a_decision_the_gate_does_not_take_is_told_so_in_every_channel(waiting: int) -> None:
    # Not "accept needs --" nor "To accept, write the  first.": it needs no text, it is wrong.
    with pytest.raises(UsageError) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "maybe", actor=CLI, by="Omar Haddad")
    assert str(refused.value) == (
        "'maybe' is not a decision of plan_approval (approve, reject, rework)"
    )
    omar = signed_in(person_view_of("Omar Haddad"), "api")
    with pytest.raises(UsageError) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "accept", actor=omar, lessons="x")
    assert str(refused.value) == (
        "'accept' is not a decision of plan_approval (approve, reject, rework)"
    )


def test_in_the_workspace_a_missing_text_is_asked_for_as_a_field(waiting: int) -> None:
    omar = signed_in(person_view_of("Omar Haddad"))
    with pytest.raises(UsageError) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "reject", actor=omar)
    assert str(refused.value) == "To reject, write the comment first."


def test_in_the_workspace_an_unchanged_resubmit_asks_why(waiting: int) -> None:
    rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Aim higher"}
    assert decide_gate(1, "plan_approval", 1, rework).outcome is Outcome.taken
    open_gate(1, "resubmitted", 1, "run-1")
    lena = signed_in(person_view_of("Lena Fischer"))
    with pytest.raises(UsageError) as refused:
        prepare_decision("IMP-0001", Gate.resubmitted, "resubmit", actor=lena)
    assert str(refused.value) == (
        "Nothing changed since the rework: edit the improvement first, or write in the comment "
        "why you resubmit it unchanged."
    )


def test_a_gate_is_answered_only_where_this_improvement_waits(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="other", title="Another one"))))
    define_stage(2, "run-2")
    open_gate(2, "plan_approval", 1, "run-2")  # IMP-0002 waits, IMP-0001 does not
    with pytest.raises(GateError) as refused:
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    assert str(refused.value) == "IMP-0001 is not waiting at any gate (status identified)"
    sent = prepare_decision("IMP-0002", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    assert (sent.shown_id, sent.flow_run_id) == ("IMP-0002", "run-2")
