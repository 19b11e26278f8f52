"""`improve serve` starts every flow run as a fork of one warm process (the template), not as a
new interpreter, and a lost template costs nothing: against a real Prefect server."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from ci_workflow.services.register.browse import show_improvement
from tests import processes
from tests.flows.conftest import AUTH, Served
from tests.flows.test_lifecycle import register, wait_for
from tests.helpers import Cli

pytestmark = pytest.mark.slow


def templates(served: Served) -> list[int]:
    """The warm runner's template processes: children of `improve serve` (its forks, the runs,
    are the template's children, with the template's command line)."""
    assert served.process is not None
    return [
        pid
        for pid, (parent, line) in children(served).items()
        if parent == served.process.pid and "forkserver" in line and "warm_template" in line
    ]


def children(served: Served) -> dict[int, tuple[int, str]]:
    assert served.process is not None
    return processes.descendants(served.process.pid)


def test_runs_start_from_the_template_and_go_on_when_it_is_killed(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    ref = register(cli, tmp_path, "warm")
    lifecycle.stop()  # a serve of its own, which has started no run yet
    lifecycle.start()
    assert templates(lifecycle) == []  # made for the first run, not before
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    [template] = templates(lifecycle)
    # Between runs: the run's process has exited at its gate. (A template killed while runs are
    # in flight loses their exit status: the runner marks them crashed, and the watchdog starts
    # them again from the register, as for any process killed mid-run.)
    processes.until(
        lambda: not any(parent == template for parent, _ in children(lifecycle).values()) or None,
        what="the run's process to exit at its gate",
    )
    os.kill(template, signal.SIGKILL)
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")  # a new template made for the decision
    assert [pid for pid in templates(lifecycle) if pid != template] != []
    assert show_improvement(ref).status == "executing"
    assert [(d.gate, d.decision) for d in show_improvement(ref).gate_decisions] == [
        ("plan_approval", "approve")
    ]


def test_serve_registers_every_declared_deployment_with_its_schedules(lifecycle: Served) -> None:
    # The runner is handed each flow with its deployment's settings: what Prefect holds is what
    # prefect.yaml declares.
    from ci_workflow.orchestration.health import declared_deployments

    for declared in declared_deployments():
        name = declared["name"]
        url = f"{lifecycle.server.api_url}/deployments/name/{name}/{name}"
        answer = httpx.get(url, timeout=10, auth=AUTH)
        assert answer.status_code == 200, name
        held = answer.json()
        assert [s["schedule"]["cron"] for s in held["schedules"]] == [
            s["cron"] for s in declared.get("schedules", [])
        ], name
        assert held["description"] == declared.get("description"), name
