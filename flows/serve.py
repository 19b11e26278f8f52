"""Serve every deployment of the project from one process (`improve serve`, the embedded default).

The same deployments are declared in prefect.yaml for work pools; tests check the two agree.
"""

from __future__ import annotations

from prefect import serve

from flows.capture_checkpoints import capture_checkpoints
from flows.detect_opportunities import detect_opportunities_flow
from flows.gate_watchdog import gate_watchdog
from flows.improvement_lifecycle import improvement_lifecycle
from flows.practice_report import practice_report

WATCHDOG_CRON = "0 * * * *"  # hourly: an overdue gate is noticed within the hour
CHECKPOINTS_CRON = "0 6 * * *"  # daily; each improvement's own cadence decides what is due
PRACTICE_REPORT_CRON = "0 7 1 * *"  # monthly, on the 1st
OPPORTUNITIES_CRON = "0 5 * * 1"  # weekly, Monday 05:00


def serve_all() -> None:
    serve(
        improvement_lifecycle.to_deployment(name="improvement-lifecycle"),
        gate_watchdog.to_deployment(name="gate-watchdog", cron=WATCHDOG_CRON),
        capture_checkpoints.to_deployment(name="capture-checkpoints", cron=CHECKPOINTS_CRON),
        practice_report.to_deployment(name="practice-report", cron=PRACTICE_REPORT_CRON),
        detect_opportunities_flow.to_deployment(
            name="detect-opportunities", cron=OPPORTUNITIES_CRON
        ),
        limit=None,
    )
