"""Who may do what to an improvement: decide its gates, record its values, withdraw it, edit it.

Every channel asks these functions (the CLI before it sends, the flow when a decision arrives),
so a rule is written once. "Governs" an improvement: a CI manager, or a process owner of its
process; they may do everything its owner may.
"""

from __future__ import annotations

from dataclasses import dataclass

from ci_workflow.domain.people import PersonView
from ci_workflow.domain.vocabulary import Gate, Role

# Roles that may record any improvement's values, beside its owner and team.
RECORDERS = (Role.data_analyst, Role.improvement_team, Role.ci_manager)


@dataclass(frozen=True)
class Parties:
    """The people an improvement belongs to: its process, owner, process owner and team."""

    process: str
    owner_id: int
    process_owner_id: int
    team_ids: frozenset[int]


def governs(person: PersonView, parties: Parties) -> bool:
    return person.holds(Role.ci_manager) or person.holds(Role.process_owner, parties.process)


def may_decide(gate: Gate, person: PersonView, parties: Parties) -> bool:
    if person.holds(Role.ci_manager):
        return True
    if gate in (Gate.plan_approval, Gate.review_signoff):
        return governs(person, parties)
    if gate == Gate.resubmitted:
        return person.id == parties.owner_id
    return person.id == parties.owner_id or person.id in parties.team_ids


def who_may_decide(gate: Gate, parties: Parties) -> str:
    if gate in (Gate.plan_approval, Gate.review_signoff):
        return f"a process owner of {parties.process!r} or a CI manager"
    if gate == Gate.resubmitted:
        return "the improvement's owner or a CI manager"
    return "the improvement's owner, a team member or a CI manager"


def may_record(person: PersonView, parties: Parties) -> bool:
    return (
        person.id == parties.owner_id
        or person.id in parties.team_ids
        or any(person.holds(role) for role in RECORDERS)
    )


def may_withdraw(person: PersonView, parties: Parties) -> bool:
    return person.id in (parties.owner_id, parties.process_owner_id) or governs(person, parties)


def may_edit(person: PersonView, parties: Parties) -> bool:
    """Change the improvement's file: the same people who may withdraw it."""
    return may_withdraw(person, parties)
