"""Former owners: read back from the trail's words, and kept from approving under separation of
duties (issue 24 #3)."""

from __future__ import annotations

from ci_workflow.domain.authority.ownership import former_owner_of, handover_detail
from ci_workflow.domain.authority.people import Grant, PersonView
from ci_workflow.domain.authority.permissions import Action, Parties, allowed, who_may_decide
from ci_workflow.domain.vocabulary import Gate, Role

OWNS_IM = frozenset({Grant(Role.process_owner, "IM")})
FORMER = PersonView(id=int("1001"), name="Omar", email="omar@example.org", grants=OWNS_IM)
OTHER = PersonView(id=int("1002"), name="Ola", email="ola@example.org", grants=OWNS_IM)
PARTIES = Parties(
    "IM",
    owner_id=int("1003"),
    process_owner_id=int("1002"),
    team_ids=frozenset(),
    former_owner_ids=frozenset({int("1001")}),
)


def test_the_former_owner_is_read_back_from_the_trail() -> None:
    detail = handover_detail(1001, "Omar Haddad", "Lena Fischer")
    assert detail == "former owner #1001: Omar Haddad handed the improvement to Lena Fischer"
    assert former_owner_of(detail) == 1001
    assert former_owner_of("changed owner 'Omar' → 'Lena'") is None
    assert former_owner_of("a former owner #12: spoofed in the middle") is None


def test_a_former_owner_approves_only_without_separation_of_duties() -> None:
    for gate in (Gate.plan_approval, Gate.review_signoff):
        assert allowed(Action.decide, FORMER, PARTIES, gate=gate)
        assert not allowed(Action.decide, FORMER, PARTIES, gate=gate, separation=True)
        assert allowed(Action.decide, OTHER, PARTIES, gate=gate, separation=True)
    assert who_may_decide(Gate.plan_approval, PARTIES, separation=True) == (
        "a process owner of 'IM' or a CI manager other than its owner or a former owner"
    )
