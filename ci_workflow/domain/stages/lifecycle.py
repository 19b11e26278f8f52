"""The status model of an improvement and the only place that says which moves are allowed.

It follows the ITIL 4 continual improvement model: an opportunity is identified, defined (vision,
current state, SMART targets), planned, approved, executed, reviewed ("did we get there?") and
its results consolidated ("keep the momentum going").
"""

from __future__ import annotations

from enum import StrEnum

from ci_workflow.errors import IllegalTransition


class Status(StrEnum):
    identified = "identified"
    defined = "defined"
    planned = "planned"
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    executing = "executing"
    in_review = "in_review"
    consolidating = "consolidating"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


S = Status

ALLOWED: dict[Status, frozenset[Status]] = {
    S.identified: frozenset({S.defined, S.rejected, S.withdrawn}),
    S.defined: frozenset({S.planned, S.withdrawn}),
    # A plan can be reopened for editing before it goes for approval.
    S.planned: frozenset({S.awaiting_approval, S.defined, S.withdrawn}),
    # "rework" sends the plan back to be defined again.
    S.awaiting_approval: frozenset({S.approved, S.rejected, S.defined, S.withdrawn}),
    S.approved: frozenset({S.executing, S.withdrawn}),
    S.executing: frozenset({S.in_review, S.withdrawn}),
    # "extend" sends it back to execution; once accepted it can only be consolidated.
    S.in_review: frozenset({S.consolidating, S.executing, S.withdrawn}),
    S.consolidating: frozenset({S.closed}),
    S.closed: frozenset(),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
}

TERMINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)

# Until the plan is approved the objectives and plan may be rewritten; after it they are the
# yardstick the improvement is measured against.
EDITABLE_DEFINITION = frozenset({S.identified, S.defined, S.planned})

# Statuses in which the register counts an improvement as open work.
OPEN = frozenset(ALLOWED) - TERMINAL


def check_transition(current: str, target: str) -> Status:
    """Return the target status if moving there from ``current`` is allowed, else raise."""
    try:
        source, goal = Status(current), Status(target)
    except ValueError as exc:
        raise IllegalTransition(f"unknown status: {exc}") from None
    if goal not in ALLOWED[source]:
        allowed = ", ".join(sorted(ALLOWED[source])) or "none (it is final)"
        raise IllegalTransition(
            f"cannot move from {source} to {goal}; allowed from {source}: {allowed}"
        )
    return goal
