"""The orchestrator as the use cases see it: start a lifecycle run or a connection's sync, read
a run's state, answer the gate it waits at, cancel it. ``orchestration.runs.PrefectRuns`` is the
real one; the CLI, the workspace and the benches hand it in, so each use case is one function for
every channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class RunState(Protocol):
    @property
    def type(self) -> str:
        """PENDING, RUNNING, PAUSED, COMPLETED, FAILED, CRASHED, CANCELLED..."""
        ...

    @property
    def name(self) -> str: ...

    @property
    def since(self) -> datetime | None:
        """When the run entered this state."""
        ...

    @property
    def is_final(self) -> bool: ...


class Runs(Protocol):
    def start(self, improvement_id: int, shown_id: str, title: str) -> str:
        """Start an improvement's lifecycle run; returns its id."""
        ...

    def start_sync(self, connection: str) -> str:
        """Start a run of the scheduled sync (``sync-itsm``) for this one connection; its id."""
        ...

    def state(self, flow_run_id: str) -> RunState: ...

    def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
        """Answer the gate the run waits at (``key``)."""
        ...

    def cancel(self, flow_run_id: str) -> bool:
        """Cancel a run not yet finished; True if it was cancelled."""
        ...
