"""The scheduled gate watchdog, run as its deployment by the real server and `improve serve`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.conftest import Served
from tests.flows.test_lifecycle import actions, register, wait_for
from tests.helpers import Cli

pytestmark = pytest.mark.slow


def test_the_watchdog_reports_a_waiting_gate_once_a_day(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    ref = register(cli, tmp_path, "left-waiting")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    for _ in range(2):
        run = run_deployment("gate-watchdog/gate-watchdog", parameters={"max_days": 0}, timeout=120)
        assert run.state is not None and run.state.is_completed(), run.state  # type: ignore[union-attr]
    (reported,) = actions(ref, "gate_overdue")
    assert (
        "at plan-approval-1 for a process owner of 'Incident Management' or a CI manager"
        in reported
    )
    assert reported.endswith("CI managers told: Carmen Ruiz")
