"""The services, wrapped as the Prefect tasks the flows order.

Each wrapped function is idempotent on its own, because a lifecycle flow replays from the top
after every resume (its tasks return their persisted results) and a new deployment may re-run a
task whose source changed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact

from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import CaptureIncomplete
from ci_workflow.services import (
    capture,
    decisions,
    delivery,
    lifecycle,
    notifications,
    opportunities,
    practice,
    watchdog,
)

# Prefect hands the services' log lines to the run's logs (PREFECT_LOGGING_EXTRA_LOGGERS) but
# leaves their level at Python's default, WARNING: a gate opening is worth an INFO line there.
logging.getLogger("ci_workflow").setLevel(logging.INFO)

define = task(name="define")(lifecycle.define_stage)
open_gate = task(name="open-gate")(lifecycle.open_gate)
decide = task(name="decide")(decisions.decide_gate)
review = task(name="review")(lifecycle.review_stage)
consolidate = task(name="consolidate")(lifecycle.consolidate_stage)
deliver = task(name="deliver-report")(delivery.deliver_review)
report_overdue = task(name="report-overdue-gates")(watchdog.report_overdue_gates)
send_digests = task(name="send-digests")(notifications.send_digests)


@task(name="publish-report")
def publish(improvement_id: int, kind: str) -> list[str]:
    """The review report as a keyed Markdown artifact, shown on the Prefect UI's Artifacts page."""

    def create(key: str, markdown: str) -> None:
        create_markdown_artifact(markdown=markdown, key=key, description=f"Review report ({kind})")

    return delivery.deliver_artifact(improvement_id, kind, create)


@task(name="capture-due", retries=2, retry_delay_seconds=30)
def capture_due(as_of: datetime | None) -> dict[str, int]:
    # One task for the whole pass, not one per snapshot: the pass is already batched. A retry
    # reads again only what is still missing or failed.
    result = capture.capture(as_of=as_of)
    if result.failed:
        raise CaptureIncomplete("; ".join(result.failed))
    return {"stored": len(result.stored), "unchanged": result.unchanged}


@task(name="render-practice-report")
def practice_report(days: int, end: datetime | None) -> str:
    """The practice over the ``days`` before ``end`` (default now): saved in both formats,
    published as the ``practice-report`` artifact; returns the HTML file's path."""
    last = end or utcnow()
    first, last = practice.period(last - timedelta(days=days), last)
    html = practice.write_practice(first, last, "html")
    markdown = practice.write_practice(first, last, "md")
    create_markdown_artifact(
        markdown=markdown.read_text(encoding="utf-8"),
        key="practice-report",
        description=f"Practice report {first:%Y-%m-%d} to {last:%Y-%m-%d}",
    )
    return str(html)


@task(name="detect")
def detect(days: int) -> int:
    end = utcnow()
    found, _ = opportunities.detect_opportunities(end - timedelta(days=days), end)
    return len(found)
