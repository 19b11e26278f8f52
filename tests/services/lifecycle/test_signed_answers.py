"""An answer signed by the CLI or the workspace counts as its person's only if nothing it says
was changed on its way: a sign-off re-posted to Prefect with forged lessons and figures is not
the verified person's (issue 24 #2)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.settings import get_settings
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

RUN = str(uuid.uuid4())


@pytest.fixture
def signed(cli: Cli, people: None, tmp_path: Path) -> dict[str, Any]:
    """A sign-off as the CLI signs it for the process owner, before Prefect takes it."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("in_review")
    open_gate(1, "review_signoff", 1, RUN)
    sent = prepare_decision(
        "IMP-0001",
        Gate.review_signoff,
        "accept",
        actor=operating_system("omar"),
        by="Omar Haddad",
        lessons="Route by category first",
        realised_gain=45000,
        actual_cost=12000,
        confirm=True,  # nothing was measured: a warning stands (test_gate_warnings)
    )
    return sent.run_input


def forged(answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "lessons": "FORGED", "realised_gain": 99999999.0, "actual_cost": 0.0}


def test_the_signed_answer_counts_as_its_person(signed: dict[str, Any]) -> None:
    assert decide_gate(1, "review_signoff", 1, signed).outcome is Outcome.taken
    (decision,) = show_improvement("IMP-0001").gate_decisions
    assert (decision.by, decision.channel, decision.principal) == ("Omar Haddad", "cli", "os:omar")
    assert show_improvement("IMP-0001").realised_gain == 45000


def test_a_forged_answer_does_not_count_where_unsigned_answers_do_not(
    signed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_PREFECT_UI_DECISIONS", "refuse")
    get_settings.cache_clear()
    assert decide_gate(1, "review_signoff", 1, forged(signed)).outcome is Outcome.refused
    shown = show_improvement("IMP-0001")
    assert shown.status == "in_review" and shown.gate_decisions == []
    assert shown.realised_gain is None and shown.lessons_learned in (None, "")
    refused = [e for e in audit_trail("IMP-0001")[1] if e.action == "gate_refused"]
    assert len(refused) == 1 and "unsigned answer" in refused[0].detail


def test_a_forged_answer_is_never_recorded_as_the_verified_person(signed: dict[str, Any]) -> None:
    # Where the Prefect UI may decide (the default), it counts as what it is: unverified.
    assert decide_gate(1, "review_signoff", 1, forged(signed)).outcome is Outcome.taken
    (decision,) = show_improvement("IMP-0001").gate_decisions
    assert (decision.channel, decision.principal) == ("prefect-ui", "unverified")


def test_a_decision_with_nothing_more_to_say_holds_its_signature_in_the_flow(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The flow receives the whole form (an empty comment among it): still the signed decision.
    monkeypatch.setenv("IMPROVE_PREFECT_UI_DECISIONS", "refuse")
    get_settings.cache_clear()
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("awaiting_approval")
    open_gate(1, "plan_approval", 1, RUN)
    sent = prepare_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=operating_system("omar"), by="Omar Haddad"
    )
    answer = {**sent.run_input, "comment": ""}
    assert decide_gate(1, "plan_approval", 1, answer).outcome is Outcome.taken
    (decision,) = show_improvement("IMP-0001").gate_decisions
    assert (decision.channel, decision.principal) == ("cli", "os:omar")
