"""Reading, answering and cancelling a flow run through Prefect's REST API with plain HTTP: the
calls a person waits on (`improve approve`, `status`, `withdraw`; the workspace's decisions)
import neither Prefect nor its client, ≈ 1 s of CPU, as much as the rest of such a command.

They are the requests Prefect's own client makes (``GET /flow_runs/{id}``,
``POST /flow_runs/{id}/resume`` with ``{"run_input": ...}``, ``POST /flow_runs/{id}/set_state``),
sent with the credentials and TLS settings it would use (``PREFECT_API_AUTH_STRING`` or
``PREFECT_API_KEY``; ``PREFECT_API_SSL_CERT_FILE``, ``PREFECT_API_TLS_INSECURE_SKIP_VERIFY``),
and tried again, as it does, while the server says it is busy (429, 502, 503).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ci_workflow.errors import GateError
from ci_workflow.orchestration.client import (
    RunState,
    auth_headers,
    configure_prefect,
    unreachable_as_error,
)

if TYPE_CHECKING:
    import httpx

BUSY = (429, 502, 503)
TRIES = 6  # Prefect's client: PREFECT_CLIENT_MAX_RETRIES=5 after the first
TIMEOUT = 60.0  # seconds: PREFECT_API_REQUEST_TIMEOUT's default


def read_state(flow_run_id: str) -> RunState:
    run_id = _run_id(flow_run_id)
    with _api() as api:
        return _state_of(api, run_id)


def resume(flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
    """Answer the paused run; refuse if it waits for another key or is no longer waiting."""
    run_id = _run_id(flow_run_id)
    with _api() as api:  # one connection: a decision is two requests
        state = _state_of(api, run_id)
        if state.type != "PAUSED":
            raise GateError(f"the flow run is not waiting for a decision (state: {state.name})")
        if state.pause_key != key:
            raise GateError(f"the flow run waits for {state.pause_key}, not {key}")
        # Prefect marks the run Suspended a moment before it stores the form's schema; an answer
        # in that moment is rejected with "schema not found", so it is tried again briefly (as
        # is one Prefect asks to wait).
        for attempt in range(10):
            answer = _call(api, "POST", f"/flow_runs/{run_id}/resume", {"run_input": run_input})
            if answer is None:  # gone from Prefect between our look and our answer
                raise GateError("the flow run is no longer in Prefect; nothing was decided")
            status = answer["status"]
            if status == "ACCEPT":
                return
            if (answer.get("state") or {}).get("type") == "FAILED":
                raise GateError("the gate timed out and can no longer be decided")
            reason = str((answer.get("details") or {}).get("reason") or status)
            now = _state_of(api, run_id)
            if now.type != "PAUSED" or now.pause_key != key:  # Prefect aborts: no longer paused
                # The run moved on between our look and our answer. Every gate's answer has its
                # own decision values, so an answer meant for one gate never fits another.
                raise GateError(
                    "another decision reached this gate first; the flow now "
                    + (f"waits at {now.pause_key}" if now.pause_key else f"is {now.name}")
                )
            again = status == "WAIT" or "schema not found" in reason
            if not again or attempt == 9:
                raise GateError(f"Prefect refused the decision: Cannot resume this run: {reason}")
            time.sleep(0.3)


def cancel(flow_run_id: str) -> bool:
    """Cancel a run that is not finished yet; True if it was cancelled."""
    run_id = _run_id(flow_run_id)
    with _api() as api:
        if _state_of(api, run_id).is_final:
            return False
        state = {"type": "CANCELLED", "name": "Cancelled", "message": "improvement withdrawn"}
        _call(api, "POST", f"/flow_runs/{run_id}/set_state", {"state": state, "force": True})
    return True


@contextmanager
def _api() -> Iterator[httpx.Client]:
    import httpx

    configure_prefect()
    skip = os.environ.get("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "").lower() in ("1", "true")
    verify: bool | str = False if skip else os.environ.get("PREFECT_API_SSL_CERT_FILE") or True
    if os.environ["PREFECT_API_URL"].startswith("http://"):
        verify = False  # never used; loading the certificate bundle costs 0.02 s of CPU
    headers = auth_headers()
    if "Authorization" not in headers and os.environ.get("PREFECT_API_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['PREFECT_API_KEY']}"
    with (
        unreachable_as_error(),
        httpx.Client(
            base_url=os.environ["PREFECT_API_URL"], headers=headers, verify=verify, timeout=TIMEOUT
        ) as client,
    ):
        yield client


def _call(api: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    """The answer's JSON; None for a run Prefect does not know. A busy server is asked again
    after a pause that grows (or the one it asks for)."""
    for attempt in range(TRIES):
        answer = api.request(method, path, json=body)
        if answer.status_code not in BUSY or attempt == TRIES - 1:
            break
        wait = answer.headers.get("Retry-After", "")
        time.sleep(float(wait) if wait.isdigit() else min(10.0, 0.5 * 2**attempt))
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    return answer.json()


def _state_of(api: httpx.Client, run_id: UUID) -> RunState:
    run = _call(api, "GET", f"/flow_runs/{run_id}")
    if run is None:  # e.g. Prefect's database was reset: the run will never go on
        return RunState("MISSING", "Not found in Prefect", None)
    state = run.get("state")
    if state is None:
        return RunState("PENDING", "Pending", None)
    return RunState(
        state["type"],
        state.get("name") or state["type"],
        (state.get("state_details") or {}).get("pause_key"),
        datetime.fromisoformat(state["timestamp"]) if state.get("timestamp") else None,
    )


def _run_id(flow_run_id: str) -> UUID:
    try:
        return UUID(flow_run_id)
    except ValueError:
        raise GateError(f"{flow_run_id!r} is not a flow run id") from None
