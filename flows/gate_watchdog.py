"""Scheduled: report gates that have waited longer than the limit to the CI managers, and cancel
the runs of improvements withdrawn while Prefect could not be reached."""

from __future__ import annotations

from prefect import flow

from ci_workflow.orchestration.tasks import report_overdue, settle_withdrawn


@flow(name="gate-watchdog", log_prints=True)
def gate_watchdog(max_days: float | None = None) -> int:
    """``max_days`` overrides IMPROVE_GATE_OVERDUE_DAYS (default 5)."""
    settle_withdrawn()
    return len(report_overdue(max_days))
