"""Scheduled: capture every due objective of every executing or in-review improvement, and of
every closed one still in its sustainment period; then settle the periods that ended."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from ci_workflow.orchestration.tasks import capture_due, settle_sustainment


@flow(name="capture-checkpoints")
def capture_checkpoints(as_of: datetime | None = None) -> dict[str, int]:
    """``as_of`` (UTC) evaluates sources as of a past time; default now."""
    # A source that fails fails the run, after the ended periods are settled all the same.
    captured = capture_due(as_of, return_state=True)
    settle_sustainment(as_of)
    return captured.result()
