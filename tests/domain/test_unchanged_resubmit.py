"""Resubmitting what was sent back for rework, unchanged, must say why (issue 22): the rule the
workspace's and the CLI's pre-check and the flow all ask."""

from __future__ import annotations

from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.stages.gates import UNCHANGED_RESUBMIT, Refusal, refusal
from ci_workflow.domain.vocabulary import Gate, Role

OWNER = PersonView(1000, "Olga Owner", "olga@example.org")
PARTIES = Parties("Incident Management", OWNER.id, 2000, frozenset())


def _resubmit(*, unchanged: bool, comment: str = "") -> Refusal | None:
    return refusal(
        Gate.resubmitted,
        "resubmit",
        by=OWNER.name,
        person=OWNER,
        parties=PARTIES,
        comment=comment,
        unchanged=unchanged,
    )


def test_a_reworked_improvement_is_resubmitted_without_a_comment() -> None:
    assert _resubmit(unchanged=False) is None


def test_an_unchanged_one_needs_a_comment_saying_why() -> None:
    assert _resubmit(unchanged=True) == Refusal("missing_text", UNCHANGED_RESUBMIT, "comment")
    assert _resubmit(unchanged=True, comment="   ") is not None
    assert _resubmit(unchanged=True, comment="The approver's question is answered below") is None


def test_only_the_resubmit_asks_it() -> None:
    approver = PersonView(
        2000,
        "Pat Approver",
        "pat@example.org",
        frozenset({Grant(Role.process_owner, "Incident Management")}),
    )
    approve = refusal(
        Gate.plan_approval,
        "approve",
        by=approver.name,
        person=approver,
        parties=PARTIES,
        unchanged=True,
    )
    assert approve is None


def test_who_may_not_resubmit_is_told_that_first() -> None:
    stranger = PersonView(3000, "Sam Stranger", "sam@example.org")
    refused = refusal(
        Gate.resubmitted,
        "resubmit",
        by=stranger.name,
        person=stranger,
        parties=PARTIES,
        unchanged=True,
    )
    assert refused is not None and refused.kind == "not_allowed"
