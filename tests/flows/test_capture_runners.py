"""The capture flow's batches as Prefect tasks, run in this process against the session's real
Prefect server: on threads (the default) and on a local Dask cluster of two worker processes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.orchestration import configure_prefect
from ci_workflow.settings import get_settings
from ci_workflow.store.db import reset_caches
from tests.flows.conftest import PrefectServer
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.metrics.sources import incident_csv

pytestmark = pytest.mark.slow

AS_OF = datetime(2026, 10, 14, 9, tzinfo=UTC)  # weekly cadence: the checkpoint is Mon 12th 06:00


@pytest.fixture
def on_server(prefect_server: PrefectServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test's register (IMPROVE_HOME) with its flows run on the session's Prefect server."""
    from prefect.logging.handlers import APILogWorker

    for name, value in prefect_server.env.items():
        if name.startswith("PREFECT_") and name != "PREFECT_HOME":
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("IMPROVE_PREFECT_API_URL", prefect_server.api_url)
    get_settings.cache_clear()
    reset_caches()
    configure_prefect()
    yield
    # The runs' last log lines, sent while the server still runs (not at exit, after it stopped).
    APILogWorker.drain_all(timeout=5)


def executing(cli: Cli, folder: Path, sizes: list[int], broken: str | None = None) -> list[str]:
    """Executing improvements with these numbers of CSV objectives; ``broken`` names one whose
    source is a database file that does not exist."""
    csv = {
        "kind": "csv",
        "path": str(incident_csv(folder)),
        "timestamp_column": "opened_at",
        "aggregation": "count",
        "filter": {"category": "network"},
    }
    missing = {"kind": "sql", "url": f"sqlite:///{folder / 'missing.db'}", "query": "SELECT 1"}
    wanted = [(f"batch-{n}", size, csv) for n, size in enumerate(sizes)]
    wanted += [(broken, 1, missing)] if broken else []
    for key, size, source in wanted:
        objectives = [objective_doc(metric=f"m{n}", source=source) for n in range(size)]
        cli.ok("apply", str(write_yaml(folder, improvement_doc(key=key, objectives=objectives))))
        move_to("executing", key)
    return [key for key, _, _ in wanted]


def values(cli: Cli, keys: list[str]) -> list[Any]:
    return [s["value"] for key in keys for s in cli.json("snapshots", key)]


def test_the_capture_flow_runs_its_batches_on_threads_and_stores_every_due_checkpoint(
    cli: Cli, people: None, on_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.capture_checkpoints import capture_checkpoints

    monkeypatch.setenv("IMPROVE_CAPTURE_BATCH_SIZE", "2")
    get_settings.cache_clear()
    keys = executing(cli, tmp_path, [2, 1, 1, 3, 1])
    totals = capture_checkpoints(as_of=AS_OF)
    # Whole improvements, at most 2 objectives a batch unless one has more: [2] [1 1] [3] [1].
    assert totals == {"stored": 8, "unchanged": 0, "batches": 4, "processes": 1}
    # Three network incidents opened in the 30 days before Monday 12th 06:00.
    assert values(cli, keys) == [3.0] * 8
    assert capture_checkpoints(as_of=AS_OF)["batches"] == 0  # nothing due twice


def test_a_failing_batch_fails_the_run_after_every_other_batch_is_stored(
    cli: Cli, people: None, on_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.orchestration import tasks
    from flows.capture_checkpoints import capture_checkpoints

    monkeypatch.setenv("IMPROVE_CAPTURE_BATCH_SIZE", "1")
    get_settings.cache_clear()
    # The schedule waits 30 s before each of its two retries; here the retries come at once.
    monkeypatch.setattr(tasks.capture_batch, "retry_delay_seconds", 0)
    keys = executing(cli, tmp_path, [1, 1, 1], broken="broken")
    state = capture_checkpoints(as_of=AS_OF, return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match=r"IMP-0004 m0: missing\.db: no such file"):
        state.result()
    assert values(cli, keys) == [3.0, 3.0, 3.0, None]


def test_the_capture_flow_runs_its_batches_on_a_local_dask_cluster_of_two_workers(
    cli: Cli, people: None, on_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.capture_checkpoints import capture_checkpoints

    # The local cluster's worker processes start with this process's environment: the register
    # and the settings below reach them.
    monkeypatch.setenv("IMPROVE_CAPTURE_TASK_RUNNER", "dask")
    monkeypatch.setenv("IMPROVE_CAPTURE_BATCH_SIZE", "1")
    get_settings.cache_clear()
    keys = executing(cli, tmp_path, [1] * 6)
    totals = capture_checkpoints(as_of=AS_OF)
    assert totals == {"stored": 6, "unchanged": 0, "batches": 6, "processes": 2}
    assert values(cli, keys) == [3.0] * 6


def test_the_runner_is_the_one_the_settings_name_and_dask_is_imported_only_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask.task_runners import DaskTaskRunner

    from ci_workflow.errors import ImproveError
    from ci_workflow.orchestration.runners import capture_task_runner

    assert isinstance(capture_task_runner(), ThreadPoolTaskRunner)
    monkeypatch.setenv("IMPROVE_CAPTURE_TASK_RUNNER", "dask")
    monkeypatch.setenv("IMPROVE_DASK_ADDRESS", "tcp://dask.example.org:8786")
    get_settings.cache_clear()
    runner = capture_task_runner()  # no cluster is reached before the run submits to it
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://dask.example.org:8786"
    monkeypatch.setitem(sys.modules, "prefect_dask.task_runners", None)  # as if not installed
    with pytest.raises(ImproveError, match=r"IMPROVE_CAPTURE_TASK_RUNNER=dask needs prefect-dask"):
        capture_task_runner()
