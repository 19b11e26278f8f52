"""Everything that talks to Prefect, and the only package (beside ``flows/``) that imports it.

- ``client``: configure Prefect, start flow runs (imports Prefect lazily).
- ``run_api``: read, answer and cancel a flow run over Prefect's REST API (no Prefect import).
- ``decisions``: send a person's decision to the gate a run waits at.
- ``gate_inputs``: the forms a suspended run waits for, one per gate.
- ``tasks``: the services wrapped as Prefect tasks, which the flows order.
- ``serve``: serve the deployments that ``prefect.yaml`` declares (``improve serve``).
- ``health``: whether the API answers, the deployments are there and polled (``improve doctor``).
"""

from ci_workflow.orchestration.client import (
    RunState,
    api_in_use,
    configure_prefect,
    prefect_environment,
    require_api,
    serving_environment,
    start_lifecycle,
)
from ci_workflow.orchestration.run_api import cancel, read_state, resume

__all__ = [
    "RunState",
    "api_in_use",
    "cancel",
    "configure_prefect",
    "prefect_environment",
    "read_state",
    "require_api",
    "resume",
    "serving_environment",
    "start_lifecycle",
]
