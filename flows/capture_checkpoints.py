"""Scheduled: capture every due objective of every executing or in-review improvement."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task

from ci_workflow.services.capture import capture


class CaptureIncomplete(Exception):
    """Raised after a capture pass that stored what it could but had sources fail."""


@task(name="capture-due", retries=2, retry_delay_seconds=30)
def capture_due(as_of: datetime | None) -> dict[str, int]:
    # One task for the whole pass, not one per snapshot: the pass is already batched. A retry
    # reads again only what is still missing or failed.
    result = capture(as_of=as_of)
    if result.failed:
        raise CaptureIncomplete("; ".join(result.failed))
    return {"stored": len(result.stored), "unchanged": result.unchanged}


@flow(name="capture-checkpoints")
def capture_checkpoints(as_of: datetime | None = None) -> dict[str, int]:
    """``as_of`` (UTC) evaluates sources as of a past time; default now."""
    return capture_due(as_of)
