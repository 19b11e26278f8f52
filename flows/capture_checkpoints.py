"""Scheduled: capture every due objective of every executing or in-review improvement, and of
every closed one still in its sustainment period, and every key result of the strategy with a
source; then settle the periods that ended.

The due objectives are captured in batches (IMPROVE_CAPTURE_BATCH_SIZE), each a task on the
runner IMPROVE_CAPTURE_TASK_RUNNER names (threads here, or a Dask cluster). A flow's runner is
fixed when it is defined, so the batches run in a nested flow given the runner the settings
name when this run starts, in the process that runs it. What the flows call comes from the
installed package (a Dask worker unpickles it), never from this file.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger

from ci_workflow.errors import CaptureIncomplete
from ci_workflow.orchestration.runners import batch_totals, capture_task_runner
from ci_workflow.orchestration.tasks import (
    capture_batch,
    capture_key_results,
    deliver_sustained,
    select_due,
    send_notifications,
    settle_sustainment,
)


@flow(name="capture-checkpoints")
def capture_checkpoints(as_of: datetime | None = None) -> dict[str, int]:
    """``as_of`` (UTC) evaluates sources as of a past time; default now."""
    batches = capture_batches.with_options(task_runner=capture_task_runner())
    # A source that fails fails the run, after the ended periods are settled all the same.
    captured = batches(as_of, return_state=True)
    measured = capture_key_results(as_of, return_state=True)  # the strategy's key results
    deliver_sustained(settle_sustainment(as_of))
    measured.result()
    return captured.result()


@flow(name="capture-batches")
def capture_batches(as_of: datetime | None = None) -> dict[str, int]:
    """Every due batch at once on this flow's runner. Each batch is stored in its own
    transaction: one that fails, or whose worker dies, costs only itself."""
    futures = [capture_batch.submit(batch) for batch in select_due(as_of)]
    totals, failures = batch_totals(futures)
    send_notifications()  # once, after every batch is written
    get_run_logger().info(
        "%(stored)d stored, %(unchanged)d already there, in %(batches)d batches on "
        "%(processes)d processes",
        totals,
    )
    if failures:
        raise CaptureIncomplete("; ".join(failures))
    return totals
