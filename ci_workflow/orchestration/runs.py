"""Prefect as the ``Runs`` port (``services.lifecycle.runs``): lifecycle runs and a connection's
"Sync now"."""

from __future__ import annotations

from typing import Any

from ci_workflow.orchestration import client, run_api


class PrefectRuns:
    def start(self, improvement_id: int, shown_id: str, title: str) -> str:
        return client.start_lifecycle(improvement_id, shown_id, title)

    def start_sync(self, connection: str) -> str:
        return client.start_sync(connection)

    def state(self, flow_run_id: str) -> client.RunState:
        return run_api.read_state(flow_run_id)

    def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
        run_api.resume(flow_run_id, key, run_input)

    def cancel(self, flow_run_id: str) -> bool:
        return run_api.cancel(flow_run_id)
