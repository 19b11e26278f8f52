"""What the warm runner (ci_workflow/orchestration/warm.py) changes in the serving process, checked
without a server: how a run's process is made, and how a flow reaches it."""

from __future__ import annotations

import copyreg
import inspect
import multiprocessing
from collections.abc import Iterator

import cloudpickle
import prefect.flow_engine
import pytest
from prefect import Flow

from ci_workflow.orchestration.warm import served_flows, use_warm_processes


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """use_warm_processes() for one test: Prefect's engine and the pickling table put back after."""
    monkeypatch.setattr(prefect.flow_engine, "multiprocessing", prefect.flow_engine.multiprocessing)
    use_warm_processes()
    yield
    copyreg.dispatch_table.pop(Flow, None)


def test_prefect_still_makes_a_runs_process_where_the_warm_runner_steps_in() -> None:
    # If a Prefect upgrade makes the process another way, runs would silently start cold again.
    source = inspect.getsource(prefect.flow_engine.run_flow_in_subprocess)
    assert 'multiprocessing.get_context("spawn")' in source
    assert prefect.flow_engine.multiprocessing is multiprocessing


def test_runs_processes_are_forked_from_the_template(warm: None) -> None:
    context = prefect.flow_engine.multiprocessing.get_context("spawn")
    assert context.get_start_method() == "forkserver"
    assert context is multiprocessing.get_context("forkserver")


def test_a_served_flow_reaches_the_run_by_name_with_its_modules_globals(warm: None) -> None:
    # Pickled by value, a flow's function keeps only the globals its code names: the capture
    # flow's `as_of: datetime` annotation could then not be resolved, and its runs failed.
    for name, served in served_flows().items():
        payload = cloudpickle.dumps(served)
        assert cloudpickle.loads(payload) is served, name
        assert len(payload) < 200, name
    capture = cloudpickle.loads(cloudpickle.dumps(served_flows()["capture-checkpoints"]))
    parameters = capture.validate_parameters({"as_of": "2026-10-14T09:00:00Z"})
    assert parameters["as_of"].isoformat() == "2026-10-14T09:00:00+00:00"


def test_other_flows_pickle_as_usual(warm: None) -> None:
    @prefect.flow(name="not-served")
    def not_served(x: int) -> int:
        return x

    clone = cloudpickle.loads(cloudpickle.dumps(not_served))
    assert clone is not not_served and clone.name == "not-served" and clone.fn(3) == 3
