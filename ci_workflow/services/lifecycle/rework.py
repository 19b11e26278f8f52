"""Whether an improvement sent back for rework comes back changed: resubmitting it unchanged
must say why (``domain.stages.gates.UNCHANGED_RESUBMIT``), in the channels' pre-check and in
the flow."""

from __future__ import annotations

from sqlmodel import Session

from ci_workflow.domain.authority.ownership import HANDED_OVER
from ci_workflow.domain.clock import as_utc
from ci_workflow.store.audit import count_since
from ci_workflow.store.register import improvements as store

# What a person changes in a rework: the file (its definition, objectives, plan) or its owner.
REWORKED = ("updated", HANDED_OVER)


def unchanged_since_rework(session: Session, improvement_id: int) -> bool:
    """True when the latest decision sent the improvement back for rework and neither its file
    nor its owner changed since; False otherwise (never sent back, or reworked)."""
    decisions = store.decisions_of(session, improvement_id)
    if not decisions or decisions[-1].decision != "rework":
        return False
    since = as_utc(decisions[-1].decided_at)
    return not any(count_since(session, improvement_id, a, since) for a in REWORKED)
