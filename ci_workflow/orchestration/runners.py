"""The task runner the capture flow runs its batches on, chosen by IMPROVE_CAPTURE_TASK_RUNNER
when a run starts, in the process that runs it.

- ``threads`` (default): a few batches at once in the flow's own process. Reads are bounded per
  host for the whole process (``services.measurement._source_reads``), so more threads would
  only queue.
- ``dask``: a Dask cluster (``prefect-dask``, the ``dask`` extra): the scheduler at
  IMPROVE_DASK_ADDRESS, else a local cluster of two worker processes made for the run. Each
  worker process bounds its own reads per host, and needs the register's settings: the local
  workers inherit this process's environment; a remote cluster's workers must be given them.
"""

from __future__ import annotations

from typing import Any

from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from ci_workflow.errors import ImproveError
from ci_workflow.settings import get_settings

BATCHES_AT_ONCE = 4  # per process: one batch writes while others read
LOCAL_WORKERS = 2


def capture_task_runner() -> TaskRunner[Any]:
    """A new runner as the settings say; a Dask cluster is reached (or made) at the first batch."""
    settings = get_settings()
    if settings.capture_task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=BATCHES_AT_ONCE)
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError:
        raise ImproveError(
            "IMPROVE_CAPTURE_TASK_RUNNER=dask needs prefect-dask: pip install 'ci-workflow[dask]'"
        ) from None
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    # Two batches a worker (one writes while the other reads); the dashboard on a free port,
    # since another Dask on this machine may hold the usual 8787.
    cluster = {"n_workers": LOCAL_WORKERS, "threads_per_worker": 2, "dashboard_address": ":0"}
    return DaskTaskRunner(cluster_kwargs=cluster)


def batch_totals(
    futures: list[PrefectFuture[dict[str, int | str]]],
) -> tuple[dict[str, int], list[str]]:
    """The capture batches' counts added up, and why each that failed did, once all have ended:
    a batch that fails, or whose worker is lost, costs only itself."""
    stored = unchanged = 0
    processes: set[str] = set()
    failures: list[str] = []
    for future in futures:
        try:
            counts = future.result()
        except Exception as error:  # the task's own error, or the runner's (a worker lost)
            failures.append(str(error) or type(error).__name__)
            continue
        stored += int(counts["stored"])
        unchanged += int(counts["unchanged"])
        processes.add(str(counts["process"]))
    totals = {
        "stored": stored,
        "unchanged": unchanged,
        "batches": len(futures),
        "processes": len(processes),
    }
    return totals, failures
