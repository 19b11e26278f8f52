"""A warm runner: ``improve serve`` starts each flow run as a fork of one process that has
already imported Prefect and the flows, not as a fresh interpreter.

Prefect 3.9's runner starts a flow run with ``python -m prefect.engine`` or, for a flow it holds in
memory, with multiprocessing's spawn; either way every run (every decision: a suspended run has
no process) imports Python, Prefect (≈ 1 s of CPU) and the flow's modules again before its first
line. Here the runner holds the flows, and the call that makes the run's process,
``prefect.flow_engine.run_flow_in_subprocess``, is handed multiprocessing's forkserver: a process
started once, that imports ``PRELOAD`` and then forks one child per run. The child runs what
Prefect's spawned child runs (the same target, environment and settings); only its start is warm,
and it shares the template's memory until it writes to it. The flow itself reaches the child by
name and is the one the template loaded (its module's own globals and tasks, as
``prefect.engine`` would import it), not a copy of its function rebuilt from a pickle.

Durability stays Prefect's: the child is a process the runner watches and kills on cancellation,
and marks crashed if it dies; a template process that dies is started again for the next run.
Runs in flight when the template dies lose their exit status, so the runner marks them crashed,
and the watchdog's reconciliation starts them again from the register.
"""

from __future__ import annotations

import copyreg
import multiprocessing
import pickle
from functools import cache
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_workflow.orchestration.health import declared_deployments
from ci_workflow.resources import resource_path

if TYPE_CHECKING:
    from prefect import Flow

# What a gate's flow process needs; the reports and the capture are imported by the runs that
# use them (a template holding them would cost memory for every child that writes near them).
PRELOAD = ["ci_workflow.orchestration.warm_template"]


def entrypoint_path(entrypoint: str) -> str:
    """``flows/x.py:f`` as a path to the flow file shipped with the package, ``:f`` kept."""
    path, _, function = entrypoint.partition(":")
    relative = Path(path).relative_to("flows")
    return f"{resource_path('flows') / relative}:{function}"


@cache
def served_flows() -> dict[str, Flow[Any, Any]]:
    """Each declared deployment's flow by its name, loaded from the shipped file (once a process:
    the warm runner's template and the runner must hold the same modules)."""
    from prefect.flows import load_flow_from_entrypoint

    return {
        declared["name"]: load_flow_from_entrypoint(
            entrypoint_path(declared["entrypoint"]), use_placeholder_flow=False
        )
        for declared in declared_deployments()
    }


class _ForkFromTemplate:
    """Stands in for the ``multiprocessing`` module in ``prefect.flow_engine``, whose
    ``run_flow_in_subprocess`` asks it for the spawn context: it gets the forkserver instead."""

    def __init__(self, context: BaseContext) -> None:
        self._context = context

    def get_context(self, method: str | None = None) -> BaseContext:
        return self._context

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


def served_flow(name: str) -> Flow[Any, Any]:
    """In a run's process: the served flow of that name, as the template loaded it."""
    return served_flows()[name]


def _by_name(flow: Flow[Any, Any]) -> str | tuple[Any, ...]:
    """How a flow is pickled for a run's process: a served one by its name; any other as usual."""
    for name, served in served_flows().items():
        if served is flow:
            return served_flow, (name,)
    return flow.__reduce_ex__(pickle.DEFAULT_PROTOCOL)


def use_warm_processes() -> None:
    """From now on, this process's runner starts flow runs as forks of the template."""
    import prefect.flow_engine
    from prefect import Flow

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    prefect.flow_engine.multiprocessing = _ForkFromTemplate(context)  # type: ignore[attr-defined,assignment]
    copyreg.pickle(Flow, _by_name)
