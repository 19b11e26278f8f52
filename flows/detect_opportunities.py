"""Scheduled: find improvement opportunities in the last weeks of incidents and record new ones."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, task

from ci_workflow.services.opportunities import detect_opportunities
from ci_workflow.store.tables.common import utcnow


@task(name="detect")
def detect(days: int) -> int:
    end = utcnow()
    found, _ = detect_opportunities(end - timedelta(days=days), end)
    return len(found)


@flow(name="detect-opportunities")
def detect_opportunities_flow(days: int = 90) -> int:
    """Over the ``days`` before now; findings already recorded are not recorded again."""
    return detect(days)
