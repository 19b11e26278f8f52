"""Scheduled: the practice report of the last month, saved and published as an artifact."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from ci_workflow.orchestration.tasks import practice_report as render


@flow(name="practice-report")
def practice_report(days: int = 30, end: datetime | None = None) -> str:
    """The practice over the ``days`` before ``end`` (default now)."""
    return render(days, end)
