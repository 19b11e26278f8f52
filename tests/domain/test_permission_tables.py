"""Who may decide, record, withdraw, edit, bring code, manage people and triage: a table per rule,
walked person by person, every channel asking the same functions.

Ids are above 256 and built as distinct int objects (``int("1000")``), so a rule that compared
ids with ``is`` instead of ``==`` would fail here (CPython caches only small ints).
"""

from __future__ import annotations

import dataclasses

import pytest

from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import (
    Action,
    Parties,
    allowed,
    co_signs,
    governs,
    informed_of,
    may_bring_code,
    may_decide,
    may_edit,
    may_manage_connections,
    may_manage_people,
    may_record,
    may_submit_idea,
    may_triage_opportunities,
    may_withdraw,
    who_may_decide,
)
from ci_workflow.domain.vocabulary import Gate, Role

PROCESS, SERVICE = "Incident Management", "Email"


def ident(text: str) -> int:
    """A fresh int object, never the one a literal or another call gives."""
    return int(text)


def person(text_id: str, name: str, *grants: Grant, active: bool = True) -> PersonView:
    return PersonView(
        ident(text_id), name, f"{name.lower()}@example.org", frozenset(grants), active
    )


OWNER = person("1000", "owner")
TEAM = person("1001", "team")
PROCESS_OWNER = person("1002", "process_owner", Grant(Role.process_owner, "incident management"))
OTHER_PROCESS_OWNER = person("1003", "other_process_owner", Grant(Role.process_owner, "Change"))
MANAGER = person("1004", "manager", Grant(Role.ci_manager))
SERVICE_OWNER = person("1005", "service_owner", Grant(Role.service_owner, "email"))
OTHER_SERVICE_OWNER = person("1006", "other_service_owner", Grant(Role.service_owner, "VPN"))
ANALYST = person("1007", "analyst", Grant(Role.data_analyst, "incident management"))
OUTSIDER = person("1008", "outsider")
TEAM_ROLE = person("1009", "team_role", Grant(Role.improvement_team))
# Named on the improvement as its process owner, but no longer holding the grant.
FORMER_PROCESS_OWNER = person("1010", "former_process_owner")
SERVICE_ANALYST = person("1011", "service_analyst", Grant(Role.data_analyst, "service:EMAIL"))
OTHER_ANALYST = person("1012", "other_analyst", Grant(Role.data_analyst, "Change"))
OTHER_SERVICE_ANALYST = person(
    "1013", "other_service_analyst", Grant(Role.data_analyst, "service:VPN")
)
# A process named like the service is not the service.
PROCESS_NAMED_ANALYST = person("1014", "process_named_analyst", Grant(Role.data_analyst, "Email"))
# An unscoped grant stored before data analysts were scoped: it reaches no improvement.
UNSCOPED_ANALYST = person("1015", "unscoped_analyst", Grant(Role.data_analyst))

EVERYONE = (
    OWNER,
    TEAM,
    PROCESS_OWNER,
    OTHER_PROCESS_OWNER,
    MANAGER,
    SERVICE_OWNER,
    OTHER_SERVICE_OWNER,
    ANALYST,
    OUTSIDER,
    TEAM_ROLE,
    FORMER_PROCESS_OWNER,
    SERVICE_ANALYST,
    OTHER_ANALYST,
    OTHER_SERVICE_ANALYST,
    PROCESS_NAMED_ANALYST,
    UNSCOPED_ANALYST,
)


def parties(*, cosigned: bool = False, owner: PersonView = OWNER) -> Parties:
    return Parties(
        process=PROCESS,
        owner_id=ident(str(owner.id)),
        process_owner_id=ident("1010"),
        team_ids=frozenset({ident("1001")}),
        service=SERVICE,
        cosigned=cosigned,
    )


def names(people: tuple[PersonView, ...]) -> set[str]:
    return {p.name for p in people}


def test_the_ids_here_are_equal_but_not_identical() -> None:
    assert OWNER.id == parties().owner_id and OWNER.id is not parties().owner_id
    assert TEAM.id in parties().team_ids


# Who may decide each gate, on an improvement without and with a co-signed review.
DECIDERS = {
    (Gate.plan_approval, False): {"process_owner", "manager"},
    (Gate.plan_approval, True): {"process_owner", "manager"},
    (Gate.resubmitted, False): {"owner", "manager"},
    (Gate.resubmitted, True): {"owner", "manager"},
    (Gate.execution_complete, False): {"owner", "team", "manager"},
    (Gate.execution_complete, True): {"owner", "team", "manager"},
    (Gate.review_signoff, False): {"process_owner", "manager"},
    (Gate.review_signoff, True): {"process_owner", "manager", "service_owner"},
}


@pytest.mark.parametrize(("gate", "cosigned"), list(DECIDERS))
@pytest.mark.parametrize("separation", [False, True])
def test_who_may_decide_each_gate(gate: Gate, cosigned: bool, separation: bool) -> None:
    # Nobody here owns the improvement and judges it too, so separation changes nothing.
    found = {
        p.name
        for p in EVERYONE
        if may_decide(gate, p, parties(cosigned=cosigned), separation=separation)
    }
    assert found == DECIDERS[gate, cosigned]
    through_the_door = {
        p.name
        for p in EVERYONE
        if allowed(Action.decide, p, parties(cosigned=cosigned), gate=gate, separation=separation)
    }
    assert through_the_door == found


@pytest.mark.parametrize("judge", [PROCESS_OWNER, MANAGER, SERVICE_OWNER])
def test_separation_of_duties_keeps_an_owner_from_judging_her_own_improvement(
    judge: PersonView,
) -> None:
    own = parties(cosigned=True, owner=judge)
    for gate in (Gate.plan_approval, Gate.review_signoff):
        assert not may_decide(gate, judge, own, separation=True), gate
        assert not allowed(Action.decide, judge, own, gate=gate, separation=True), gate
    # Without separation (the default) she may judge it as her role allows.
    assert may_decide(Gate.review_signoff, judge, own)
    assert allowed(Action.decide, judge, own, gate=Gate.review_signoff)
    # Her own work she still reports and resubmits.
    assert may_decide(Gate.execution_complete, judge, own, separation=True)
    assert may_decide(Gate.resubmitted, judge, own, separation=True)


def test_only_the_owner_resubmits_not_her_team_nor_the_process_owner() -> None:
    assert may_decide(Gate.resubmitted, OWNER, parties())
    for other in (TEAM, PROCESS_OWNER, ANALYST, TEAM_ROLE, OUTSIDER):
        assert not may_decide(Gate.resubmitted, other, parties()), other.name


def test_a_service_owner_co_signs_only_a_co_signed_review_of_her_service() -> None:
    assert co_signs(SERVICE_OWNER, parties(cosigned=True))
    assert not co_signs(SERVICE_OWNER, parties(cosigned=False))
    for other in EVERYONE:
        if other is not SERVICE_OWNER:
            assert not co_signs(other, parties(cosigned=True)), other.name
    assert not may_decide(Gate.plan_approval, SERVICE_OWNER, parties(cosigned=True))
    assert not may_decide(Gate.review_signoff, SERVICE_OWNER, parties(cosigned=False))


def test_governs_is_a_process_owner_of_its_process_or_a_ci_manager() -> None:
    assert {p.name for p in EVERYONE if governs(p, parties())} == {"process_owner", "manager"}


RECORDERS = {"owner", "team", "manager", "analyst", "service_analyst"}
WITHDRAWERS = {"owner", "process_owner", "manager", "former_process_owner"}


def test_who_may_record_values() -> None:
    # A data analyst of its process or service records off the team; a team member records
    # without a role; a process owner or a service owner does not, unless on the team; nor does
    # someone holding improvement_team who is not on this team, nor an analyst of another
    # process or service, nor one whose grant names no scope.
    assert {p.name for p in EVERYONE if may_record(p, parties())} == RECORDERS
    assert {p.name for p in EVERYONE if allowed(Action.record, p, parties())} == RECORDERS


def test_who_may_withdraw_and_edit() -> None:
    assert {p.name for p in EVERYONE if may_withdraw(p, parties())} == WITHDRAWERS
    assert {p.name for p in EVERYONE if may_edit(p, parties())} == WITHDRAWERS
    assert {p.name for p in EVERYONE if allowed(Action.withdraw, p, parties())} == WITHDRAWERS
    assert {p.name for p in EVERYONE if allowed(Action.edit, p, parties())} == WITHDRAWERS


def test_who_may_bring_code_manage_people_submit_and_triage() -> None:
    assert {p.name for p in EVERYONE if may_bring_code(p, parties())} == {
        "process_owner",
        "manager",
    }
    assert {p.name for p in EVERYONE if may_manage_people(p)} == {"manager"}
    assert {p.name for p in EVERYONE if allowed(Action.manage_people, p)} == {"manager"}
    assert all(may_submit_idea(p) for p in EVERYONE)
    triagers = {"process_owner", "other_process_owner", "manager"}
    assert {p.name for p in EVERYONE if may_triage_opportunities(p)} == triagers
    assert {p.name for p in EVERYONE if allowed(Action.triage_opportunities, p)} == triagers


@pytest.mark.parametrize(
    "action",
    [Action.manage_connections, Action.manage_strategy, Action.accept_portfolio_plan],
)
def test_only_an_active_ci_manager_holds_the_practice_wide_settings(action: Action) -> None:
    """An ITSM connection (it holds the tool's credentials), the strategy and the portfolio
    plan answer to the CI manager alone: no other role, and not once she is deactivated."""
    assert {p.name for p in EVERYONE if allowed(action, p)} == {"manager"}
    assert not allowed(action, dataclasses.replace(MANAGER, active=False))
    assert may_manage_connections(MANAGER) and not may_manage_connections(OUTSIDER)


@pytest.mark.parametrize("someone", EVERYONE, ids=lambda p: p.name)
def test_a_deactivated_person_may_do_nothing(someone: PersonView) -> None:
    gone = dataclasses.replace(someone, active=False)
    for gate in Gate:
        for cosigned in (False, True):
            assert not may_decide(gate, gone, parties(cosigned=cosigned)), gate
    assert not may_record(gone, parties())
    assert not may_withdraw(gone, parties())
    assert not may_edit(gone, parties())
    assert not may_bring_code(gone, parties())
    assert not may_manage_people(gone)
    assert not may_submit_idea(gone)
    assert not may_triage_opportunities(gone)
    assert not co_signs(gone, parties(cosigned=True))
    assert not informed_of(Gate.plan_approval, gone, SERVICE)


def test_a_deactivated_process_owner_does_not_triage() -> None:
    gone = dataclasses.replace(PROCESS_OWNER, active=False)
    assert may_triage_opportunities(PROCESS_OWNER)
    assert not may_triage_opportunities(gone)
    assert not allowed(Action.triage_opportunities, gone)


@pytest.mark.parametrize(
    ("gate", "service", "informed"),
    [
        (Gate.plan_approval, SERVICE, True),
        (Gate.review_signoff, SERVICE, True),
        (Gate.resubmitted, SERVICE, False),
        (Gate.execution_complete, SERVICE, False),
        (Gate.plan_approval, None, False),
        (Gate.plan_approval, "VPN", False),
    ],
)
def test_a_service_owner_is_informed_of_approvals_of_her_service(
    gate: Gate, service: str | None, informed: bool
) -> None:
    assert informed_of(gate, SERVICE_OWNER, service) is informed
    assert not informed_of(gate, PROCESS_OWNER, service)


@pytest.mark.parametrize(
    ("gate", "separation", "cosigned", "said"),
    [
        (
            Gate.plan_approval,
            False,
            False,
            "a process owner of 'Incident Management' or a CI manager",
        ),
        (
            Gate.plan_approval,
            True,
            True,
            "a process owner of 'Incident Management' or a CI manager other than its owner",
        ),
        (
            Gate.review_signoff,
            False,
            True,
            "a process owner of 'Incident Management' or a CI manager, and a service owner of "
            "'Email' co-signs",
        ),
        (
            Gate.review_signoff,
            True,
            True,
            "a process owner of 'Incident Management' or a CI manager other than its owner, and "
            "a service owner of 'Email' co-signs",
        ),
        (
            Gate.review_signoff,
            True,
            False,
            "a process owner of 'Incident Management' or a CI manager other than its owner",
        ),
        (Gate.resubmitted, True, True, "the improvement's owner or a CI manager"),
        (
            Gate.execution_complete,
            True,
            True,
            "the improvement's owner, a team member or a CI manager",
        ),
    ],
)
def test_who_may_decide_is_said_in_words(
    gate: Gate, separation: bool, cosigned: bool, said: str
) -> None:
    assert who_may_decide(gate, parties(cosigned=cosigned), separation=separation) == said


def test_a_plan_action_is_progressed_by_its_assignee_or_who_may_edit() -> None:
    progress = Action.progress_plan
    assignee = ident("1008")  # the outsider, assigned one action of the plan
    found = {p.name for p in EVERYONE if allowed(progress, p, parties(), assignee_id=assignee)}
    assert found == WITHDRAWERS | {"outsider"}
    gone = dataclasses.replace(OUTSIDER, active=False)
    assert not allowed(progress, gone, parties(), assignee_id=assignee)
    assert not allowed(progress, OUTSIDER, parties(), assignee_id=None)


def test_separation_is_off_unless_asked_for() -> None:
    assert who_may_decide(Gate.plan_approval, parties()) == (
        "a process owner of 'Incident Management' or a CI manager"
    )


def test_an_action_on_an_improvement_needs_its_parties() -> None:
    with pytest.raises(AssertionError, match="record is about one improvement"):
        allowed(Action.record, OWNER)
