"""Imported once, by the warm runner's template process (``warm.py``): what every flow run would
otherwise import for itself. Importing only: no connection, thread or setting is made here, so
each fork starts from a clean state and reads the environment Prefect hands it."""

from __future__ import annotations

import gc
import importlib

from ci_workflow.orchestration.warm import served_flows

WARM = (
    "prefect.flow_engine",  # the engine the run's process runs
    "prefect.flow_runs",  # suspend, at every gate
    "ci_workflow.services.lifecycle.gate_decisions",
    "ci_workflow.services.lifecycle.gate_opening",
    "ci_workflow.services.lifecycle.stage_failures",
    "ci_workflow.services.lifecycle.stages",
    "ci_workflow.services.people.notifications",
)

for module in WARM:
    importlib.import_module(module)
served_flows()  # the flow modules, under the names the runner pickles them by
# The children share these pages until they write to them: keep the collector off them.
gc.freeze()
