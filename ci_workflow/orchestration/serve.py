"""``improve serve``: every deployment ``prefect.yaml`` declares, served from one process (the
embedded default), with the schedules written there: each schedule is written once.

In production the same file is deployed to a work pool (``prefect deploy --all``) and Prefect's
workers run the flows (docs/production.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import yaml
from prefect import Flow, serve
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint

from ci_workflow.resources import resource_path


def declared_deployments() -> list[dict[str, Any]]:
    """The ``deployments`` of the project's prefect.yaml (its YAML anchors resolved)."""
    text = resource_path("prefect.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["deployments"])


def entrypoint_path(entrypoint: str) -> str:
    """``flows/x.py:f`` as a path to the flow file shipped with the package, ``:f`` kept."""
    path, _, function = entrypoint.partition(":")
    relative = Path(path).relative_to("flows")
    return f"{resource_path('flows') / relative}:{function}"


def runner_deployments() -> list[RunnerDeployment]:
    """Each declared deployment with its flow loaded from the shipped file and its schedules."""
    deployments: list[RunnerDeployment] = []
    for declared in declared_deployments():
        flow: Flow[Any, Any] = load_flow_from_entrypoint(
            entrypoint_path(declared["entrypoint"]), use_placeholder_flow=False
        )
        schedules = [
            CronSchedule(cron=s["cron"], timezone=s.get("timezone", "UTC"))
            for s in declared.get("schedules", [])
        ]
        deployment = flow.to_deployment(
            name=declared["name"], description=declared.get("description"), schedules=schedules
        )
        # Called outside an event loop, to_deployment returns the deployment, not a coroutine.
        deployments.append(cast(RunnerDeployment, deployment))
    return deployments


def serve_all() -> None:
    serve(*runner_deployments(), limit=None)
