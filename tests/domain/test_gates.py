"""Whether an answer to a gate may be taken, and why not: a decision the gate does not know, a
missing comment or lessons learned, an unknown or deactivated person, someone not allowed. And
what each decision does to the status, through the lifecycle's allowed moves."""

from __future__ import annotations

import pytest

from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.stages.gates import (
    DECISIONS,
    STATUS_AFTER,
    STATUS_WHILE_WAITING,
    Refusal,
    gate_key,
    missing_text,
    refusal,
)
from ci_workflow.domain.stages.lifecycle import Status, check_transition
from ci_workflow.domain.vocabulary import Gate, Role

PARTIES = Parties(
    process="Incident Management",
    owner_id=int("1000"),
    process_owner_id=int("1002"),
    team_ids=frozenset({int("1001")}),
)
OWNER = PersonView(int("1000"), "Olga Owner", "olga@example.org")
TEAM = PersonView(int("1001"), "Tom Team", "tom@example.org")
PROCESS_OWNER = PersonView(
    int("1002"),
    "Pia Process",
    "pia@example.org",
    frozenset({Grant(Role.process_owner, "Incident Management")}),
)


def test_gate_keys_are_lowercase_with_dashes_and_the_attempt() -> None:
    assert gate_key(Gate.plan_approval, 2) == "plan-approval-2"
    assert gate_key(Gate.review_signoff, 1) == "review-signoff-1"
    assert gate_key(Gate.execution_complete, 10) == "execution-complete-10"


@pytest.mark.parametrize(
    ("decision", "comment", "lessons", "missing"),
    [
        ("approve", "", "", None),
        ("reject", "", "", "comment"),
        ("reject", "  \n", "", "comment"),
        ("reject", "out of scope", "", None),
        ("rework", "", "we learnt", "comment"),
        ("rework", "measure it first", "", None),
        ("extend", "", "", "comment"),
        ("extend", "", "lessons are not a comment", "comment"),
        ("extend", "two more weeks", "", None),
        ("accept", "", "", "lessons"),
        ("accept", "a comment is not lessons", " ", "lessons"),
        ("accept", "", "measure before you plan", None),
        ("complete", "", "", None),
        ("resubmit", "", "", None),
    ],
)
def test_which_decisions_need_words(
    decision: str, comment: str, lessons: str, missing: str | None
) -> None:
    assert missing_text(decision, comment=comment, lessons=lessons) == missing


def test_an_accept_without_lessons_is_refused_and_with_them_taken() -> None:
    refused = refusal(
        Gate.review_signoff, "accept", by="Pia Process", person=PROCESS_OWNER, parties=PARTIES
    )
    assert refused == Refusal("missing_text", "accept needs a lessons", "lessons")
    taken = refusal(
        Gate.review_signoff,
        "accept",
        by="Pia Process",
        person=PROCESS_OWNER,
        parties=PARTIES,
        lessons="measure before you plan",
    )
    assert taken is None


def test_an_extend_needs_a_comment_and_sends_the_improvement_back_to_execution() -> None:
    refused = refusal(
        Gate.review_signoff, "extend", by="Pia Process", person=PROCESS_OWNER, parties=PARTIES
    )
    assert refused == Refusal("missing_text", "extend needs a comment", "comment")
    taken = refusal(
        Gate.review_signoff,
        "extend",
        by="Pia Process",
        person=PROCESS_OWNER,
        parties=PARTIES,
        comment="two more weeks of data",
    )
    assert taken is None
    assert STATUS_AFTER["extend"] == Status.executing
    assert check_transition(STATUS_WHILE_WAITING[Gate.review_signoff], "executing")
    # Only the process side may extend: the owner reports, she does not judge.
    not_hers = refusal(
        Gate.review_signoff,
        "extend",
        by="Olga Owner",
        person=OWNER,
        parties=PARTIES,
        comment="more time",
        improvement="IMP-0007",
    )
    assert not_hers == Refusal(
        "not_allowed",
        "Olga Owner may not decide review_signoff of IMP-0007: only a process owner of "
        "'Incident Management' or a CI manager may",
    )


def test_a_decision_the_gate_does_not_know_is_refused_with_the_choices() -> None:
    refused = refusal(
        Gate.plan_approval, "accept", by="Pia Process", person=PROCESS_OWNER, parties=PARTIES
    )
    assert refused == Refusal(
        "bad_decision", "'accept' is not a decision of plan_approval (approve, reject, rework)"
    )


def test_an_unknown_person_is_refused_by_the_name_given() -> None:
    refused = refusal(Gate.plan_approval, "approve", by="Zed", person=None, parties=PARTIES)
    assert refused == Refusal("unknown_person", "unknown person 'Zed' (see `improve people list`)")


def test_a_deactivated_person_is_refused_as_such() -> None:
    gone = PersonView(
        PROCESS_OWNER.id, "Pia Process", "pia@example.org", PROCESS_OWNER.grants, False
    )
    refused = refusal(Gate.plan_approval, "approve", by="pia", person=gone, parties=PARTIES)
    assert refused == Refusal("not_allowed", "Pia Process is deactivated and may decide nothing")


def test_someone_not_allowed_is_told_who_is_without_an_improvement_named() -> None:
    refused = refusal(Gate.resubmitted, "resubmit", by="Tom", person=TEAM, parties=PARTIES)
    assert refused == Refusal(
        "not_allowed",
        "Tom Team may not decide resubmitted: only the improvement's owner or a CI manager may",
    )
    assert refusal(Gate.resubmitted, "resubmit", by="Olga", person=OWNER, parties=PARTIES) is None
    assert (
        refusal(Gate.execution_complete, "complete", by="Tom", person=TEAM, parties=PARTIES) is None
    )


def test_separation_of_duties_reaches_the_refusal() -> None:
    own = Parties("Incident Management", PROCESS_OWNER.id, PROCESS_OWNER.id, frozenset())
    assert (
        refusal(Gate.plan_approval, "approve", by="pia", person=PROCESS_OWNER, parties=own) is None
    )
    refused = refusal(
        Gate.plan_approval, "approve", by="pia", person=PROCESS_OWNER, parties=own, separation=True
    )
    assert refused is not None and refused.message.endswith(
        "or a CI manager other than its owner may"
    )


def test_what_is_checked_first() -> None:
    # An unknown decision before missing words, missing words before who is asking.
    assert refusal(Gate.review_signoff, "nope", by="x", person=None, parties=PARTIES) == Refusal(
        "bad_decision", "'nope' is not a decision of review_signoff (accept, extend)"
    )
    assert refusal(Gate.review_signoff, "accept", by="x", person=None, parties=PARTIES) == Refusal(
        "missing_text", "accept needs a lessons", "lessons"
    )


EXPECTED_AFTER = {
    "approve": Status.approved,
    "reject": Status.rejected,
    "rework": Status.defined,
    "resubmit": Status.planned,
    "complete": Status.in_review,
    "accept": Status.consolidating,
    "extend": Status.executing,
}


EXPECTED_WHILE_WAITING = {
    Gate.plan_approval: Status.awaiting_approval,
    Gate.resubmitted: Status.defined,
    Gate.execution_complete: Status.executing,
    Gate.review_signoff: Status.in_review,
}


def test_every_decision_moves_the_status_the_lifecycle_allows() -> None:
    assert STATUS_AFTER == EXPECTED_AFTER
    assert STATUS_WHILE_WAITING == EXPECTED_WHILE_WAITING
    for gate, decisions in DECISIONS.items():
        for decision in decisions:
            if gate == Gate.resubmitted:
                # The plan goes defined → planned; the flow then sends it for approval.
                assert check_transition(Status.defined, STATUS_AFTER[decision])
            else:
                assert check_transition(STATUS_WHILE_WAITING[gate], STATUS_AFTER[decision])
