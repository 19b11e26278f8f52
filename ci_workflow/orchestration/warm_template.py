"""Imported once, by the warm runner's template process (``warm.py``): what every flow run would
otherwise import for itself. Importing only: no connection, thread or setting is made here, so
each fork starts from a clean state and reads the environment Prefect hands it."""

from __future__ import annotations

import gc

import prefect.flow_engine  # noqa: F401  (the engine the child runs)
import prefect.flow_runs  # noqa: F401  (suspend, for every gate)

import ci_workflow.services.lifecycle.gate_decisions  # noqa: F401
import ci_workflow.services.lifecycle.gate_opening  # noqa: F401
import ci_workflow.services.lifecycle.stage_failures  # noqa: F401
import ci_workflow.services.lifecycle.stages  # noqa: F401
import ci_workflow.services.people.notifications  # noqa: F401
from ci_workflow.orchestration.serve import served_flows

served_flows()  # the flow modules, under the names the runner pickles them by
# The children share these pages until they write to them: keep the collector off them.
gc.freeze()
