"""Reading a capture's sources: different hosts side by side, and at most
IMPROVE_CAPTURE_READS_PER_HOST reads at once on any one host
(``domain.improvement.sources.source_host``), so that a capture of thousands of objectives never
floods one database or web server.

Each host gets a pool of that many threads, kept for the life of the process: the batches one
process captures at once (the capture flow runs several) queue on the same pools, so the bound
holds for the whole process; and a thread's warm connections (a SQLite file's page cache, kept
per thread by the SQL reader) serve the next batch. Reads never hold a database transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from ci_workflow.domain.improvement.sources import AnySource, source_host
from ci_workflow.domain.measures.window import Window
from ci_workflow.errors import MetricError
from ci_workflow.metrics import measure
from ci_workflow.settings import get_settings

KEPT_HOSTS = 64  # pools kept at most; past that the oldest goes (its queued reads still run)


@dataclass(frozen=True)
class Target:
    objective_id: int
    improvement_id: int
    metric: str
    window: str
    source: AnySource
    checkpoint_at: datetime


Reading = tuple[Target, float | None, str | None]  # the target, its value or why it failed

_pools: dict[tuple[str, int], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def read_all(targets: Sequence[Target]) -> list[Reading]:
    """Every target read, in the order given; a failure is a reading with its reason."""
    bound = get_settings().capture_reads_per_host
    futures = [_submit(source_host(t.source), bound, t) for t in targets]
    return [future.result() for future in futures]


def _submit(host: str, bound: int, target: Target) -> Future[Reading]:
    with _pools_lock:  # a pool is never shut down between finding it and submitting to it
        pool = _pools.get((host, bound))
        if pool is None:
            if len(_pools) >= KEPT_HOSTS:
                _pools.pop(next(iter(_pools))).shutdown(wait=False)
            pool = ThreadPoolExecutor(bound, thread_name_prefix=f"read {host}")
            _pools[(host, bound)] = pool
        return pool.submit(_read, target)


def _read(target: Target) -> Reading:
    try:
        window = Window.ending(target.checkpoint_at, target.window)
        return target, measure(target.source, window), None
    except MetricError as error:
        return target, None, str(error)
    except Exception as error:  # a source must never stop the others
        return target, None, f"{type(error).__name__}: {error}"
