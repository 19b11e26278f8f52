"""Scheduled: find improvement opportunities in the last weeks of incidents and record new ones."""

from __future__ import annotations

from prefect import flow

from ci_workflow.orchestration.tasks import detect


@flow(name="detect-opportunities")
def detect_opportunities_flow(days: int = 90) -> int:
    """Over the ``days`` before now; findings already recorded are not recorded again."""
    return detect(days)
