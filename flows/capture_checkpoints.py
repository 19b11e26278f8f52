"""Scheduled: capture every due objective of every executing or in-review improvement."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from ci_workflow.orchestration.tasks import capture_due


@flow(name="capture-checkpoints")
def capture_checkpoints(as_of: datetime | None = None) -> dict[str, int]:
    """``as_of`` (UTC) evaluates sources as of a past time; default now."""
    return capture_due(as_of)
