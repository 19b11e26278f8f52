"""What a plan action's change request says about whether the execution is complete.

An action's change counts as done when it is closed; the ``execution_complete`` gate warns of
one still open, one that failed, and a reference no imported change has (a typo, or an import
that has not run yet): the deciders should not learn it from the next incident.
"""

from __future__ import annotations


def change_warning(
    reference: str, state: str | None, outcome: str | None, close_code: str | None
) -> str | None:
    """One line for the gate, or None when the change is closed as it should be.
    ``outcome`` None means no imported change has this reference."""
    if outcome is None:
        return f"{reference} was not found among the imported changes"
    if outcome == "failed":
        return f"{reference} failed ({close_code or state or 'no close code'})"
    if outcome == "open":
        return f"{reference} is {state or 'in no state'} (not closed)"
    return None
