"""A review sign-off co-signed by a service owner (``service_owner_signoff: true``): accepted
only when the process side and the service side have both signed, in either order, by two
people; each signature is in the trail and the next form says who signed so far."""

from __future__ import annotations

import uuid
from pathlib import Path

from ci_workflow.domain.stages.gates import Gate, refusal
from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from ci_workflow.services.lifecycle.gate_opening import gate_description, open_gate
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement, parties_of
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

RUN = str(uuid.uuid4())
LESSONS = {"decision": "accept", "lessons": "Route by category first"}


def answer(attempt: int, by: str) -> str:
    open_gate(1, "review_signoff", attempt, RUN)
    return decide_gate(1, "review_signoff", attempt, {"by": by, **LESSONS}).for_flow


def signatures() -> list[str]:
    return [e.detail for e in audit_trail("IMP-0001")[1] if e.action == "gate_cosigned"]


def test_both_sides_sign_before_the_improvement_is_accepted(reviewed: None) -> None:
    assert answer(1, "Omar Haddad") == "refused"  # the first of two signatures
    assert show_improvement("IMP-0001").status == "in_review"
    assert signatures() == ["review-signoff-1: Omar Haddad signed as process owner"]
    form = gate_description(1, Gate.review_signoff, 2)
    assert (
        "**Signed so far:** Omar Haddad signed as process owner; a service owner must co-sign"
        in form
    )
    assert "did not count" not in form

    assert answer(2, "Omar Haddad") == "refused"  # one person, one signature
    refused = [e.detail for e in audit_trail("IMP-0001")[1] if e.action == "gate_refused"]
    assert refused == [
        "review-signoff-2: Omar Haddad has signed already; a service owner must co-sign"
    ]

    assert answer(3, "Sam Berg") == "accept"
    shown = show_improvement("IMP-0001")
    assert shown.status == "consolidating"
    assert signatures() == [
        "review-signoff-1: Omar Haddad signed as process owner",
        "review-signoff-3: Sam Berg signed as service owner",
    ]
    (decision,) = [d for d in shown.gate_decisions if d.gate == "review_signoff"]
    assert decision.by == "Sam Berg" and decision.attempt == 3


def test_the_service_owner_may_sign_first_and_a_ci_manager_signs_for_the_process(
    reviewed: None,
) -> None:
    assert answer(1, "Sam Berg") == "refused"
    assert answer(2, "Sam Berg") == "refused"
    assert answer(3, "Carmen Ruiz") == "accept"
    assert signatures() == [
        "review-signoff-1: Sam Berg signed as service owner",
        "review-signoff-3: Carmen Ruiz signed as process owner",
    ]


def test_without_a_co_sign_a_service_owner_decides_nothing(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    cli.ok(
        "people",
        "add",
        "Sam Berg",
        "--email",
        "sam@example.org",
        "--role",
        "service_owner:Corporate Network",
    )
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    with transaction(write=False) as session:
        parties = parties_of(session, get_improvement(session, "IMP-0001"))
    found = refusal(
        Gate.review_signoff,
        "accept",
        by="Sam Berg",
        person=person_view_of("Sam Berg"),
        parties=parties,
        lessons="x",
    )
    assert found is not None and found.kind == "not_allowed"


def test_a_co_sign_needs_a_service_and_is_frozen_after_approval(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    lines = cli.fails(
        "apply",
        str(write_yaml(tmp_path, improvement_doc(service=None, service_owner_signoff=True))),
    )
    assert any("a service owner can co-sign only an improvement with a service" in x for x in lines)
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("executing")
    lines = cli.fails(
        "apply", str(write_yaml(tmp_path, improvement_doc(service_owner_signoff=True)))
    )
    assert "service_owner_signoff" in lines[0]
