"""The rules of who may do what, as pure functions: roles and scopes, deactivated people,
separation of duties, and how people's names are compared."""

from __future__ import annotations

import pytest

from ci_workflow.domain.authority.people import Directory, Grant, PersonView, parse_grant
from ci_workflow.domain.authority.permissions import Action, Parties, allowed, may_decide
from ci_workflow.domain.stages.gates import refusal
from ci_workflow.domain.vocabulary import Gate, Role
from ci_workflow.errors import UsageError

PARTIES = Parties(
    process="Incident Management", owner_id=1, process_owner_id=1, team_ids=frozenset({2})
)
OWNER_AND_PROCESS_OWNER = PersonView(
    1,
    "Olga Owner",
    "olga@example.org",
    frozenset({Grant(Role.process_owner, "incident management")}),
)
MANAGER = PersonView(3, "Carmen Ruiz", "carmen@example.org", frozenset({Grant(Role.ci_manager)}))


def test_separation_of_duties_keeps_an_owner_from_approving_her_own_plan() -> None:
    for gate in (Gate.plan_approval, Gate.review_signoff):
        assert may_decide(gate, OWNER_AND_PROCESS_OWNER, PARTIES)
        assert not may_decide(gate, OWNER_AND_PROCESS_OWNER, PARTIES, separation=True)
        assert may_decide(gate, MANAGER, PARTIES, separation=True)
    # Her own work she still reports: execution complete is the owner's gate.
    assert may_decide(Gate.execution_complete, OWNER_AND_PROCESS_OWNER, PARTIES, separation=True)
    refused = refusal(
        Gate.plan_approval,
        "approve",
        by="Olga Owner",
        person=OWNER_AND_PROCESS_OWNER,
        parties=PARTIES,
        separation=True,
    )
    assert refused is not None
    assert refused.message == (
        "Olga Owner may not decide plan_approval: only a process owner of 'Incident Management' "
        "or a CI manager other than its owner may"
    )


def test_a_deactivated_person_may_do_nothing() -> None:
    gone = PersonView(3, "Carmen Ruiz", "carmen@example.org", MANAGER.grants, active=False)
    for action in Action:
        assert allowed(action, MANAGER, PARTIES, gate=Gate.plan_approval)
        assert not allowed(action, gone, PARTIES, gate=Gate.plan_approval), action
    refused = refusal(Gate.plan_approval, "approve", by="Carmen Ruiz", person=gone, parties=PARTIES)
    assert refused is not None and "deactivated" in refused.message


def test_a_scope_on_a_role_that_takes_none_is_refused() -> None:
    with pytest.raises(UsageError, match="role ci_manager takes no scope"):
        parse_grant("ci_manager:Service Desk")
    assert parse_grant("process_owner:Service Desk") == Grant(Role.process_owner, "Service Desk")


def test_names_are_one_person_whatever_their_case_or_unicode_form() -> None:
    decomposed = "O\u0308mer Test"  # Ö written as O and a combining diaeresis
    directory = Directory([PersonView(1, "Ömer Test", "omer@example.org")])
    for typed in ("ÖMER TEST", "  ömer test ", decomposed, "OMER@EXAMPLE.ORG"):
        assert directory.find(typed) is not None, typed


def test_a_measured_baseline_is_confirmed_by_its_owner_or_a_ci_manager() -> None:
    owner = PersonView(1, "Olga Owner", "olga@example.org")
    member = PersonView(2, "Tom Team", "tom@example.org")
    process_owner = PersonView(
        4,
        "Pia Process",
        "pia@example.org",
        frozenset({Grant(Role.process_owner, "Incident Management")}),
    )
    assert allowed(Action.confirm_baseline, owner, PARTIES)
    assert allowed(Action.confirm_baseline, MANAGER, PARTIES)
    assert not allowed(Action.confirm_baseline, member, PARTIES)  # the team records, not confirms
    assert not allowed(
        Action.confirm_baseline, process_owner, PARTIES
    )  # who approves, not confirms
    gone = PersonView(1, "Olga Owner", "olga@example.org", active=False)
    assert not allowed(Action.confirm_baseline, gone, PARTIES)
