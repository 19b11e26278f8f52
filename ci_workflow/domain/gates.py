"""The lifecycle's stage gates: what can be decided at each, and who may decide it.

plan_approval       process owner of the improvement's process, or a CI manager:
                    approve | reject (needs a comment) | rework (needs a comment)
resubmitted         the improvement's owner, or a CI manager: resubmit (after rework)
execution_complete  the improvement's owner or a team member: complete
review_signoff      process owner of the improvement's process, or a CI manager:
                    accept (needs lessons learned) | extend (needs a comment)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ci_workflow.domain.people import PersonView
from ci_workflow.domain.vocabulary import Role


class Gate(StrEnum):
    plan_approval = "plan_approval"
    resubmitted = "resubmitted"
    execution_complete = "execution_complete"
    review_signoff = "review_signoff"


DECISIONS: dict[Gate, tuple[str, ...]] = {
    Gate.plan_approval: ("approve", "reject", "rework"),
    Gate.resubmitted: ("resubmit",),
    Gate.execution_complete: ("complete",),
    Gate.review_signoff: ("accept", "extend"),
}

# Decisions that must say why, and what field carries the why.
NEEDS_TEXT = {"reject": "comment", "rework": "comment", "extend": "comment", "accept": "lessons"}


@dataclass(frozen=True)
class GateParties:
    """The people an improvement's gates are decided by."""

    process: str
    owner_id: int
    team_ids: frozenset[int]


def may_decide(gate: Gate, person: PersonView, parties: GateParties) -> bool:
    if person.holds(Role.ci_manager):
        return True
    if gate in (Gate.plan_approval, Gate.review_signoff):
        return person.holds(Role.process_owner, parties.process)
    if gate == Gate.resubmitted:
        return person.id == parties.owner_id
    return person.id == parties.owner_id or person.id in parties.team_ids


def who_may_decide(gate: Gate, parties: GateParties) -> str:
    if gate in (Gate.plan_approval, Gate.review_signoff):
        return f"a process owner of {parties.process!r} or a CI manager"
    if gate == Gate.resubmitted:
        return "the improvement's owner or a CI manager"
    return "the improvement's owner, a team member or a CI manager"


def gate_key(gate: Gate, attempt: int) -> str:
    """The suspend key, e.g. ``plan-approval-2``: unique per gate and attempt, because Prefect
    answers a reused key at once; Prefect allows only lowercase letters, digits and dashes."""
    return f"{gate.replace('_', '-')}-{attempt}"


def missing_text(decision: str, *, comment: str, lessons: str) -> str | None:
    """The field a decision needs but lacks, if any."""
    field = NEEDS_TEXT.get(decision)
    if field == "comment" and not comment.strip():
        return "comment"
    if field == "lessons" and not lessons.strip():
        return "lessons"
    return None
