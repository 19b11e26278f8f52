"""Scheduled: the practice report of the last month, saved and published as an artifact."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import flow, task

from ci_workflow.services.practice import period, write_practice
from ci_workflow.store.tables.common import utcnow


@task(name="render-practice-report")
def render(start: datetime, end: datetime) -> str:
    html = write_practice(start, end, "html")
    markdown = write_practice(start, end, "md")
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        markdown=markdown.read_text(encoding="utf-8"),
        key="practice-report",
        description=f"Practice report {start:%Y-%m-%d} to {end:%Y-%m-%d}",
    )
    return str(html)


@flow(name="practice-report")
def practice_report(days: int = 30, end: datetime | None = None) -> str:
    """The practice over the ``days`` before ``end`` (default now)."""
    last = end or utcnow()
    first, last = period(last - timedelta(days=days), last)
    return render(first, last)
