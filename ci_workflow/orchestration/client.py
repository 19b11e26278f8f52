"""The client side of Prefect: configure it, and start lifecycle runs and a connection's sync
(reading, answering and cancelling a run go over plain HTTP: ``run_api``).

Prefect is imported inside the functions, after pointing it at the project's settings (API URL,
home folder, no analytics): commands that never talk to Prefect never pay for importing it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from ci_workflow.errors import OrchestratorUnavailable
from ci_workflow.formatting import one_line
from ci_workflow.settings import get_settings, prefect_auth_string

LIFECYCLE_DEPLOYMENT = "improvement-lifecycle/improvement-lifecycle"
SYNC_DEPLOYMENT = "sync-itsm/sync-itsm"


def prefect_environment() -> dict[str, str]:
    """Prefect settings derived from ours; variables already set in the environment win."""
    settings = get_settings()
    wanted = {
        "PREFECT_API_URL": settings.prefect_api_url,
        "PREFECT_HOME": str(settings.home_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_UI_URL": settings.ui_url,
        "PREFECT_RUNNER_POLL_FREQUENCY": str(max(1, round(settings.poll_seconds))),
    }
    auth = prefect_auth_string()
    if auth:  # the server started by `improve server` asks for it; every client sends it
        wanted["PREFECT_SERVER_API_AUTH_STRING"] = wanted["PREFECT_API_AUTH_STRING"] = auth
    return {name: os.environ.get(name, value) for name, value in wanted.items()}


def serving_environment() -> dict[str, str]:
    """For the process that runs flows: our services' log lines also go to the run's logs."""
    return {
        **prefect_environment(),
        "PREFECT_LOGGING_EXTRA_LOGGERS": "ci_workflow",
        # Lines logged outside a flow run (the serve process itself) stay local, silently.
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }


_settings_read_from: tuple[int, dict[str, str]] | None = None  # Prefect's context, its PREFECT_*


def configure_prefect() -> None:
    os.environ.update(prefect_environment())
    # Prefect reads its settings once, at import; a process that imported it earlier re-reads,
    # but only when a PREFECT_* variable changed since: re-reading costs 0.05 s of CPU, and a
    # planning round's `improve start` configures before every run it starts.
    context = sys.modules.get("prefect.context")
    if context is None:
        return
    global _settings_read_from
    current = (id(context), {k: v for k, v in os.environ.items() if k.startswith("PREFECT_")})
    if current != _settings_read_from:
        context.refresh_global_settings_context()
        _settings_read_from = current


def require_api() -> None:
    """The Prefect API answers and takes our credentials; else one line that names it."""
    import httpx

    configure_prefect()
    api = os.environ["PREFECT_API_URL"]
    with unreachable_as_error():
        answer = httpx.get(f"{api}/admin/version", headers=auth_headers(), timeout=10)
    if answer.status_code == 401:
        raise OrchestratorUnavailable(
            f"the Prefect API at {api} refused our credentials: set PREFECT_API_AUTH_STRING (or "
            "IMPROVE_PREFECT_AUTH_STRING) to the server's user:password"
        )
    if answer.status_code != 200:
        raise OrchestratorUnavailable(f"the Prefect API at {api} answered {answer.status_code}")


def auth_headers() -> dict[str, str]:
    """The basic authentication Prefect's clients send (PREFECT_API_AUTH_STRING), for a plain
    HTTP request to its API."""
    import base64

    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}


def api_in_use() -> tuple[str, str]:
    """The Prefect API URL this process talks to, and where it comes from, in words."""
    settings = get_settings()
    return os.environ.get("PREFECT_API_URL", settings.prefect_api_url), settings.prefect_api_from


def unreachable_fix() -> str:
    if get_settings().prefect_api_from == "the default":
        return (
            "run `improve server`, or set IMPROVE_PREFECT_API_URL to the server's API "
            "(e.g. http://127.0.0.1:4200/api)"
        )
    return "is its server (`improve server`) running?"


@dataclass(frozen=True)
class RunState:
    type: str  # SCHEDULED, RUNNING, PAUSED, COMPLETED, FAILED, CRASHED, CANCELLED...; MISSING
    name: str  # e.g. "Suspended", "Resuming", "Completed"
    pause_key: str | None
    since: datetime | None = None  # when the run entered this state

    @property
    def is_final(self) -> bool:
        return self.type in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED", "MISSING")


def start_lifecycle(improvement_id: int, shown_id: str = "", title: str = "") -> str:
    """A run named and tagged after its improvement, so Prefect's lists read ``IMP-0007 ...``."""
    configure_prefect()
    from prefect.deployments import run_deployment

    shown = shown_id or f"IMP-{improvement_id:04d}"
    name = f"{shown} {one_line(title, 60)}".strip()
    with unreachable_as_error():
        flow_run = run_deployment(
            LIFECYCLE_DEPLOYMENT,
            parameters={"improvement_id": improvement_id},
            timeout=0,
            flow_run_name=name,
            tags=[shown.lower(), "improvement-lifecycle"],
        )
    return str(flow_run.id)  # type: ignore[union-attr]  # the sync variant returns a FlowRun


def start_sync(connection: str) -> str:
    """A run of the scheduled sync for this one connection, named and tagged after it."""
    configure_prefect()
    from prefect.deployments import run_deployment

    with unreachable_as_error():
        flow_run = run_deployment(
            SYNC_DEPLOYMENT,
            parameters={"connection": connection},
            timeout=0,
            flow_run_name=f"sync {connection}",
            tags=["sync-itsm", f"connection-{connection}"],
        )
    return str(flow_run.id)  # type: ignore[union-attr]  # the sync variant returns a FlowRun


@contextmanager
def unreachable_as_error() -> Iterator[None]:
    """Connection failures to the Prefect API become one clear line."""
    import httpx

    try:
        yield
    except httpx.HTTPError as error:
        api, origin = api_in_use()
        raise OrchestratorUnavailable(
            f"cannot reach the Prefect API at {api} ({type(error).__name__}; the URL from "
            f"{origin}): {unreachable_fix()}"
        ) from None
