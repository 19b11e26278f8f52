"""The services, wrapped as the Prefect tasks the flows order.

Each wrapped function is idempotent on its own, because a lifecycle flow replays from the top
after every resume (its tasks return their persisted results) and a new deployment may re-run a
task whose source changed. Each task imports its service when it runs: a flow process, started
for every resumed gate, pays only for the stages that run in it, not for the cached ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import task

if TYPE_CHECKING:
    from ci_workflow.services.measurement.capture import Batch

# Prefect hands the services' log lines to the run's logs (PREFECT_LOGGING_EXTRA_LOGGERS) but
# leaves their level at Python's default, WARNING: a gate opening is worth an INFO line there.
logging.getLogger("ci_workflow").setLevel(logging.INFO)
T = TypeVar("T")


def _audited(stage: str, improvement_id: int, run: Callable[[], T]) -> T:
    """A stage that fails says why on the improvement's trail (and so in ``improve status``),
    not only in the run's logs."""
    try:
        return run()
    except Exception as error:
        from ci_workflow.services.lifecycle.stage_failures import stage_failed

        stage_failed(improvement_id, stage, error)
        raise


@task(name="define")
def define(improvement_id: int, flow_run_id: str) -> str:
    from ci_workflow.services.lifecycle.stages import define_stage

    return _audited("define", improvement_id, lambda: define_stage(improvement_id, flow_run_id))


@task(name="open-gate")
def open_gate(
    improvement_id: int, gate: str, attempt: int, flow_run_id: str
) -> tuple[str, str | None]:
    """The text above the gate's form, and its outcome if the register already has one (a new
    run replaying an improvement whose earlier run was lost): then the flow does not wait."""
    from ci_workflow.services.lifecycle.gate_decisions import recorded_outcome
    from ci_workflow.services.lifecycle.gate_opening import open_gate as opened

    description = opened(improvement_id, gate, attempt, flow_run_id)
    return description, recorded_outcome(improvement_id, gate, attempt)


@task(name="decide")
def decide(improvement_id: int, gate: str, attempt: int, answer: dict[str, Any]) -> str:
    from ci_workflow.services.lifecycle.gate_decisions import decide_gate
    from ci_workflow.services.people.notifications import dispatch

    outcome = decide_gate(improvement_id, gate, attempt, answer).for_flow
    dispatch()  # its watchers are told after the commit, even when no gate opens next
    return outcome


@task(name="review")
def review(improvement_id: int, round_: int) -> int:
    from ci_workflow.services.lifecycle.stages import review_stage

    return _audited("review", improvement_id, lambda: review_stage(improvement_id, round_))


@task(name="consolidate")
def consolidate(improvement_id: int) -> str:
    from ci_workflow.services.lifecycle.stages import consolidate_stage

    return _audited("consolidate", improvement_id, lambda: consolidate_stage(improvement_id))


@task(name="deliver-report")
def deliver(improvement_id: int, kind: str) -> list[str]:
    from ci_workflow.services.reporting.delivery import deliver_review

    return deliver_review(improvement_id, kind)


@task(name="publish-report")
def publish(improvement_id: int, kind: str) -> list[str]:
    """The review report as a keyed Markdown artifact, shown on the Prefect UI's Artifacts page."""
    from prefect.artifacts import create_markdown_artifact

    from ci_workflow.services.reporting.delivery import deliver_artifact

    def create(key: str, markdown: str) -> None:
        create_markdown_artifact(markdown=markdown, key=key, description=f"Review report ({kind})")

    return deliver_artifact(improvement_id, kind, create)


@task(name="report-overdue-gates")
def report_overdue(max_days: float | None) -> list[str]:
    from ci_workflow.services.lifecycle.watchdog import report_overdue_gates

    return report_overdue_gates(max_days)


@task(name="remind-overdue-actions")
def remind_actions() -> list[str]:
    from ci_workflow.services.register.plan_reminders import remind_overdue_actions

    return remind_overdue_actions()


@task(name="send-digests")
def send_digests() -> list[str]:
    from ci_workflow.services.people.notifications import send_digests as send

    return send()


@task(name="select-due-checkpoints")
def select_due(as_of: datetime | None) -> list[Batch]:
    """What the capture reads, as batches of plain data that travel to any task runner."""
    from ci_workflow.services.measurement.capture import due_batches

    return due_batches(as_of)


@task(
    name="capture-batch", task_run_name="capture {batch.label}", retries=2, retry_delay_seconds=30
)
def capture_batch(batch: Batch) -> dict[str, int | str]:
    """One batch read and written; a source that failed fails the task once the rest is stored,
    and a retry reads again only what is still missing or failed. ``process`` names where it ran
    (a thread of the flow's process, or a Dask worker)."""
    import os
    import socket

    from ci_workflow.errors import CaptureIncomplete
    from ci_workflow.services.measurement.capture import capture_batch as capture

    result = capture(batch)
    if result.failed:
        raise CaptureIncomplete("; ".join(result.failed))
    return {
        "stored": len(result.stored),
        "unchanged": result.unchanged,
        "process": f"{socket.gethostname()}:{os.getpid()}",
    }


@task(name="capture-key-results")
def capture_key_results(as_of: datetime | None) -> dict[str, int]:
    """The strategy's key results with a source, each at the checkpoint its cadence calls for;
    a source that failed fails the task once the rest is stored (its failure is kept)."""
    from ci_workflow.errors import CaptureIncomplete
    from ci_workflow.services.measurement.key_results import capture_key_results as capture

    result = capture(as_of=as_of)
    if result.failed:
        raise CaptureIncomplete("; ".join(result.failed))
    return {"stored": len(result.stored), "unchanged": result.unchanged}


@task(name="send-notifications")
def send_notifications() -> list[str]:
    """What the captured batches raised (off track, a gain that did not hold), sent once."""
    from ci_workflow.services.people.notifications import dispatch

    return dispatch()


@task(name="settle-sustainment")
def settle_sustainment(as_of: datetime | None) -> list[int]:
    """Improvements whose sustainment period ended, said once in their trails."""
    from ci_workflow.services.measurement.sustainment import settle_ended

    return settle_ended(as_of)


@task(name="deliver-sustained-reports")
def deliver_sustained(improvement_ids: list[int]) -> list[str]:
    """Their review reports delivered again, with the final "did it hold" answer."""
    from ci_workflow.services.reporting.delivery import deliver_sustained as deliver

    return deliver(improvement_ids)


@task(name="render-practice-report")
def practice_report(days: int, end: datetime | None) -> str:
    """The practice over the ``days`` before ``end`` (default now): saved in both formats,
    published as the ``practice-report`` artifact; returns the HTML file's path."""
    from prefect.artifacts import create_markdown_artifact

    from ci_workflow.domain.clock import utcnow
    from ci_workflow.services.register.strategy.portfolio import portfolio
    from ci_workflow.services.reporting import practice

    last = end or utcnow()
    first, last = practice.period(last - timedelta(days=days), last)
    held = portfolio()
    html = practice.write_practice(first, last, "html", portfolio=held)
    markdown = practice.write_practice(first, last, "md", portfolio=held)
    create_markdown_artifact(
        markdown=markdown.read_text(encoding="utf-8"),
        key="practice-report",
        description=f"Practice report {first:%Y-%m-%d} to {last:%Y-%m-%d}",
    )
    return str(html)


@task(name="detect")
def detect(days: int) -> int:
    from ci_workflow.services.intake.detection import detect_opportunities

    # The period ends at the latest imported incident: a stale import is not an empty week.
    return len(detect_opportunities(period=timedelta(days=days)).opportunities)


@task(name="reconcile-stranded-runs")
def reconcile_runs() -> list[str]:
    """Runs that a process's death left unable to go on, replaced by runs that replay the
    register and wait where it does; said in each improvement's trail."""
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.reconcile import reconcile

    return [done.line for done in reconcile(PrefectRuns())]


@task(name="settle-withdrawn-runs")
def settle_withdrawn() -> list[str]:
    """Runs of improvements withdrawn while Prefect was unreachable, cancelled now."""
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.withdraw import settle_withdrawn_runs

    return [line for line, _ in settle_withdrawn_runs(PrefectRuns())]
