"""``improve serve``: every deployment ``prefect.yaml`` declares, served from one process (the
embedded default), with the schedules written there: each schedule is written once.

In production the same file is deployed to a work pool (``prefect deploy --all``) and Prefect's
workers run the flows (docs/production.md).
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule
from prefect.runner import Runner

from ci_workflow.errors import OrchestratorUnavailable
from ci_workflow.orchestration.capacity import default_concurrent_runs
from ci_workflow.orchestration.health import declared_deployments as declared_deployments
from ci_workflow.orchestration.warm import served_flows, use_warm_processes
from ci_workflow.settings import get_settings


def served() -> list[tuple[Flow[Any, Any], dict[str, Any]]]:
    """Each declared deployment's flow, with what the runner is given beside it: its name,
    description and schedules (what ``serve_all`` serves)."""
    return [
        (
            served_flows()[declared["name"]],
            {
                "name": declared["name"],
                "description": declared.get("description"),
                "schedules": [
                    CronSchedule(cron=s["cron"], timezone=s.get("timezone", "UTC"))
                    for s in declared.get("schedules", [])
                ],
            },
        )
        for declared in declared_deployments()
    ]


GRACE_SECONDS = 15  # to pause the schedules and let Prefect's runner stop on its own


class _Runner(Runner):
    """Prefect's runner, whose stop on SIGTERM is bounded: if it is still busy after the grace
    period (it retries a Prefect server that has gone away), the process exits anyway, so a
    process supervisor's stop always works. The timer is a daemon: a runner that stops in time
    ends the process at once, with status 0, rather than waiting out the grace period."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        deadline = threading.Timer(GRACE_SECONDS, lambda: os._exit(143))
        deadline.daemon = True
        deadline.start()
        super().handle_sigterm(*args, **kwargs)


def concurrent_runs() -> int:
    """IMPROVE_MAX_CONCURRENT_RUNS, or what this machine's cores and memory allow."""
    chosen = get_settings().max_concurrent_runs
    if chosen is not None:
        return chosen
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return default_concurrent_runs(os.cpu_count() or 1, memory)


def serve_all() -> None:
    """Serve until stopped (Ctrl-C or SIGTERM), at most ``concurrent_runs()`` flow processes at
    once. A Prefect API that goes away meanwhile is one clear line, not a traceback."""
    import httpx

    use_warm_processes()
    runner = _Runner(pause_on_shutdown=True, limit=concurrent_runs())
    for flow, options in served():
        # Given the flow itself (not only its deployment), the runner starts its runs in
        # processes of its own making, which warm.py makes warm.
        runner.add_flow(flow, **options)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
    except httpx.HTTPError as error:
        api = os.environ.get("PREFECT_API_URL", "")
        raise OrchestratorUnavailable(
            f"the Prefect API at {api} went away ({type(error).__name__}); stopped serving"
        ) from None
