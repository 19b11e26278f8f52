"""`improve doctor`'s look at Prefect: the API answers at the URL in use (and says where that
URL comes from), the project's deployments are there, and a process polls for their runs.

Plain HTTP requests with a short timeout, not Prefect's client: its retries would make a
server that is down take minutes to report, and importing it costs a second.
"""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from ci_workflow.domain.health import Check
from ci_workflow.domain.redact import redact_url
from ci_workflow.orchestration.client import (
    api_in_use,
    auth_headers,
    configure_prefect,
    unreachable_fix,
)
from ci_workflow.resources import resource_path

POLL_FIX = "run `improve serve` (or `prefect worker start --pool improvement-pool` on a worker)"


def prefect_checks(timeout: float = 5) -> list[Check]:
    """The API, then (when it answers) the deployments and whether anything polls them."""
    configure_prefect()
    api, origin = api_in_use()
    shown = f"{redact_url(api)} (URL from {origin})"
    try:
        answer = httpx.get(f"{api}/admin/version", headers=auth_headers(), timeout=timeout)
    except httpx.HTTPError as error:
        text = f"cannot reach the API at {shown}: {type(error).__name__}"
        return [Check("FAIL", "prefect", text, unreachable_fix())]
    if answer.status_code == 401:
        fix = "set IMPROVE_PREFECT_AUTH_STRING (or PREFECT_API_AUTH_STRING) to its user:password"
        return [Check("FAIL", "prefect", f"the API at {shown} refused our credentials", fix)]
    if answer.status_code != 200:
        text = f"the API at {shown} answered HTTP {answer.status_code}"
        return [Check("FAIL", "prefect", text, "is IMPROVE_PREFECT_API_URL a Prefect API (…/api)?")]
    found = Check("OK", "prefect", f"API {shown} answers (Prefect {_version(answer)})")
    try:
        return [found, *_deployment_checks(api, timeout)]
    except httpx.HTTPError as error:
        text = f"could not list the deployments: {type(error).__name__}"
        return [found, Check("FAIL", "prefect", text, "run `improve doctor` again")]


def _deployment_checks(api: str, timeout: float) -> list[Check]:
    declared = [d["name"] for d in declared_deployments()]
    answer = httpx.post(
        f"{api}/deployments/filter",
        json={"deployments": {"name": {"any_": declared}}},
        headers=auth_headers(),
        timeout=timeout,
    )
    answer.raise_for_status()
    there: dict[str, Any] = {d["name"]: d for d in answer.json()}
    missing = [name for name in declared if name not in there]
    if missing:
        fix = f"{POLL_FIX}; it registers them (or `prefect --no-prompt deploy --all`)"
        return [Check("FAIL", "prefect", f"deployments missing: {', '.join(missing)}", fix)]
    present = Check("OK", "prefect", f"the {len(declared)} deployments are registered")
    idle = [name for name in declared if there[name].get("status") != "READY"]
    if idle:
        text = f"nothing polls for the runs of {', '.join(idle)}: started runs would wait"
        return [present, Check("FAIL", "prefect", text, POLL_FIX)]
    polled = max(str(d.get("last_polled") or "") for d in there.values())[:16].replace("T", " ")
    return [present, Check("OK", "prefect", f"a serve or worker process polls (at {polled} UTC)")]


def declared_deployments() -> list[dict[str, Any]]:
    """The ``deployments`` of the project's prefect.yaml (its YAML anchors resolved)."""
    text = resource_path("prefect.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["deployments"])


def _version(answer: httpx.Response) -> str:
    try:
        return str(answer.json())
    except ValueError:
        return "version unknown"
