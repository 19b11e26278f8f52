"""Which waiting gates a person could decide, said from their roles before any gate is read:
never fewer than the decision rule allows them, and for most people only their own."""

from __future__ import annotations

import itertools

from ci_workflow.domain.authority.gate_reach import GateReach, gate_reach
from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Parties, may_decide
from ci_workflow.domain.vocabulary import Gate, Role

APPROVALS = frozenset({Gate.plan_approval, Gate.review_signoff})


def person(number: int, *grants: Grant, active: bool = True) -> PersonView:
    return PersonView(number, f"P{number}", f"p{number}@example.org", frozenset(grants), active)


PEOPLE = [
    person(1),
    person(2, Grant(Role.ci_manager)),
    person(3, Grant(Role.process_owner, "Incident Management")),
    person(4, Grant(Role.service_owner, "Corporate Network")),
    person(5, Grant(Role.improvement_team), Grant(Role.data_analyst, "Incident Management")),
    person(6, Grant(Role.finance)),
    person(7, Grant(Role.ci_manager), active=False),
    person(8, Grant(Role.process_owner, "Problem Management")),
]


def reaches(reach: GateReach, gate: Gate, parties: Parties) -> bool:
    """As the register reads it (``store.gates.waiting_gates``)."""
    mine = reach.party is not None and (
        reach.party == parties.owner_id or reach.party in parties.team_ids
    )
    return reach.everywhere or gate in reach.gates or mine


def test_whoever_may_decide_a_gate_is_reached_by_it() -> None:
    decided = 0
    for who, gate, owner, team, process, service, cosigned, separation in itertools.product(
        PEOPLE,
        Gate,
        (1, 3, 9),
        (frozenset(), frozenset({1, 5})),
        ("Incident Management", " incident MANAGEMENT", "Change Enablement"),
        ("Corporate Network", None),
        (True, False),
        (True, False),
    ):
        parties = Parties(process, owner, 9, team, service, cosigned, frozenset({8}))
        if may_decide(gate, who, parties, separation=separation):
            decided += 1
            assert reaches(gate_reach(who), gate, parties), (who, gate, parties)
    assert decided > 100  # the rule said yes often enough for this to mean something


def test_a_person_without_a_deciding_role_reaches_only_their_own_improvements() -> None:
    assert gate_reach(person(1)) == GateReach(party=1)
    assert gate_reach(PEOPLE[4]) == GateReach(party=5)  # a team role and an analyst's
    assert gate_reach(PEOPLE[5]) == GateReach(party=6)
    other = Parties("Incident Management", 9, 9, frozenset({2}))
    assert not any(reaches(gate_reach(person(1)), gate, other) for gate in Gate)


def test_owners_of_a_process_or_a_service_reach_the_approvals_a_ci_manager_everything() -> None:
    assert gate_reach(PEOPLE[1]) == GateReach(everywhere=True)
    assert gate_reach(PEOPLE[2]) == GateReach(gates=APPROVALS, party=3)
    assert gate_reach(PEOPLE[3]) == GateReach(gates=frozenset({Gate.review_signoff}), party=4)
    both = person(
        9,
        Grant(Role.data_analyst, "Incident Management"),
        Grant(Role.service_owner, "Corporate Network"),
        Grant(Role.process_owner, "Problem Management"),
        Grant(Role.finance),
    )
    assert gate_reach(both) == GateReach(gates=APPROVALS, party=9)


def test_a_deactivated_person_reaches_nothing() -> None:
    assert gate_reach(PEOPLE[6]) == GateReach(everywhere=False, gates=frozenset(), party=None)
    gone = person(3, Grant(Role.process_owner, "Incident Management"), active=False)
    assert gate_reach(gone) == GateReach()
