"""Finishing what the register decided while Prefect could not hear it: the run of a withdrawn
improvement is cancelled by the withdrawal if Prefect answers, else by the hourly watchdog (or
the next withdrawal command) once it does. Each run is settled once, and the trail says how."""

from __future__ import annotations

from ci_workflow.orchestration.client import cancel


def settle_withdrawn_runs(improvement_id: int | None = None) -> list[tuple[str, bool]]:
    """Cancel the still-live runs of withdrawn improvements (of one, or of all). Raises
    ``OrchestratorUnavailable`` when Prefect cannot be reached: nothing is marked settled then.
    Returns a line for people per run, and whether it was cancelled (or had ended already)."""
    from ci_workflow.domain.ids import format_id
    from ci_workflow.services.register.browse import run_ended, runs_to_cancel

    settled = []
    for withdrawn_id, flow_run_id in runs_to_cancel(improvement_id):
        cancelled = cancel(flow_run_id)
        run_ended(withdrawn_id, flow_run_id, cancelled=cancelled)
        outcome = "cancelled" if cancelled else "had already ended"
        settled.append((f"{format_id(withdrawn_id)}: flow run {flow_run_id} {outcome}", cancelled))
    return settled
