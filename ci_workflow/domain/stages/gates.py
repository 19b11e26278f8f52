"""The lifecycle's stage gates: what can be decided at each, what it does to the status, and
whether an answer may be taken (``refusal``).

plan_approval       process owner of the improvement's process, or a CI manager:
                    approve | reject (needs a comment) | rework (needs a comment)
resubmitted         the improvement's owner, or a CI manager: resubmit (after rework; with
                    a comment saying why when nothing changed since the rework)
execution_complete  the improvement's owner or a team member: complete
review_signoff      process owner of the improvement's process, or a CI manager:
                    accept (needs lessons learned) | extend (needs a comment)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Action, Parties, allowed, who_may_decide
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import Gate

__all__ = ["DECISIONS", "Gate", "Refusal", "gate_key", "refusal"]

DECISIONS: dict[Gate, tuple[str, ...]] = {
    Gate.plan_approval: ("approve", "reject", "rework"),
    Gate.resubmitted: ("resubmit",),
    Gate.execution_complete: ("complete",),
    Gate.review_signoff: ("accept", "extend"),
}

# Decisions that must say why, and what field carries the why.
NEEDS_TEXT = {"reject": "comment", "rework": "comment", "extend": "comment", "accept": "lessons"}

# Resubmitting what was sent back for rework, unchanged, must say why.
UNCHANGED_RESUBMIT = "nothing changed since the rework: resubmit needs a comment saying why"

# A gate is claimed by the command answering it, so that one answer reaches the run; a claim
# older than this was left by a command that died before answering, and another may claim.
CLAIM_EXPIRY = timedelta(minutes=2)

# The status an improvement has while a gate waits for it.
STATUS_WHILE_WAITING = {
    Gate.plan_approval: Status.awaiting_approval,
    Gate.resubmitted: Status.defined,
    Gate.execution_complete: Status.executing,
    Gate.review_signoff: Status.in_review,
}

# What an accepted decision moves the improvement to.
STATUS_AFTER = {
    "approve": Status.approved,
    "reject": Status.rejected,
    "rework": Status.defined,
    "resubmit": Status.planned,
    "complete": Status.in_review,
    "accept": Status.consolidating,
    "extend": Status.executing,
}


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


RefusalKind = Literal["bad_decision", "missing_text", "unknown_person", "not_allowed"]


@dataclass(frozen=True)
class Refusal:
    """Why an answer to a gate may not be taken; ``field`` names the missing text, if that."""

    kind: RefusalKind
    message: str
    field: str = ""


def refusal(
    gate: Gate,
    decision: str,
    *,
    by: str,
    person: PersonView | None,
    parties: Parties,
    comment: str = "",
    lessons: str = "",
    improvement: str = "",
    separation: bool = False,
    unchanged: bool = False,
) -> Refusal | None:
    """None if ``person`` may take ``decision`` at ``gate`` as given; else why not.

    ``improvement`` (e.g. ``IMP-0001``) is named in the message when given; ``separation``:
    separation of duties is on (see ``permissions``); ``unchanged``: the improvement was sent
    back for rework and its file has not changed since.
    """
    if decision not in DECISIONS[gate]:
        choices = ", ".join(DECISIONS[gate])
        return Refusal("bad_decision", f"{decision!r} is not a decision of {gate} ({choices})")
    field = missing_text(decision, comment=comment, lessons=lessons)
    if field is not None:
        return Refusal("missing_text", f"{decision} needs a {field}", field)
    if person is None:
        return Refusal("unknown_person", f"unknown person {by!r} (see `improve people list`)")
    if not person.active:
        return Refusal("not_allowed", f"{person.name} is deactivated and may decide nothing")
    if not allowed(Action.decide, person, parties, gate=gate, separation=separation):
        of = f" of {improvement}" if improvement else ""
        only = who_may_decide(gate, parties, separation=separation)
        return Refusal("not_allowed", f"{person.name} may not decide {gate}{of}: only {only} may")
    if unchanged and decision == "resubmit" and not comment.strip():
        return Refusal("missing_text", UNCHANGED_RESUBMIT, "comment")
    return None
