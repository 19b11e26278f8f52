"""Scheduled: cancel the runs of improvements withdrawn while Prefect could not be reached,
restart the runs a dead process stranded, remind assignees of their plan actions newly overdue,
and report gates that have waited longer than the limit to the CI managers."""

from __future__ import annotations

from prefect import flow

from ci_workflow.orchestration.tasks import (
    reconcile_runs,
    remind_actions,
    report_overdue,
    settle_withdrawn,
)


@flow(name="gate-watchdog", log_prints=True)
def gate_watchdog(max_days: float | None = None) -> int:
    """``max_days`` overrides IMPROVE_GATE_OVERDUE_DAYS (default 5)."""
    settle_withdrawn()
    reconcile_runs()
    remind_actions()
    return len(report_overdue(max_days))
