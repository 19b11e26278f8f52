"""A lifecycle stage that failed, on the improvement's trail: why, in one line people can act on,
and the latest such failure for ``improve status`` while nothing has moved since."""

from __future__ import annotations

from ci_workflow.errors import ImproveError
from ci_workflow.formatting import one_line
from ci_workflow.store.audit import events_for, record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store

STAGE_FAILED = "stage_failed"


def stage_failed(improvement_id: int, stage: str, error: Exception) -> None:
    """Our own errors say what to fix; anything else is a bug, named by its type only (its text
    may quote a source's data or a secret)."""
    reason = str(error) if isinstance(error, ImproveError) else f"unexpected {type(error).__name__}"
    with transaction() as session:
        record_event(
            session,
            improvement_id=improvement_id,
            actor="lifecycle flow",
            action=STAGE_FAILED,
            detail=one_line(f"{stage}: {reason}", 2000),
        )


def latest_failure(ref: str) -> str | None:
    """The last stage failure, unless the improvement moved on (or was decided) after it."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        events = events_for(session, improvement.id or 0)
    for event in reversed(events):
        if event.action == STAGE_FAILED:
            return event.detail
        if event.action in ("status_changed", "gate_opened", "lifecycle_started"):
            return None
    return None
