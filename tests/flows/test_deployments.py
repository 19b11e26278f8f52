"""prefect.yaml is loadable and agrees with what `improve serve` serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def deployments() -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]  # type: ignore[no-any-return]


def test_every_entrypoint_loads_and_takes_its_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    monkeypatch.chdir(ROOT)
    found = {}
    for deployment in deployments():
        flow = load_flow_from_entrypoint(deployment["entrypoint"], use_placeholder_flow=False)
        assert deployment["work_pool"]["name"] == "improvement-pool"
        for schedule in deployment.get("schedules", []):
            CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
        found[deployment["name"]] = flow
    assert found["improvement-lifecycle"].name == "improvement-lifecycle"
    found["improvement-lifecycle"].validate_parameters({"improvement_id": 1})
    found["gate-watchdog"].validate_parameters({"max_days": 2.5})
    found["capture-checkpoints"].validate_parameters({"as_of": "2026-11-25T06:00:00Z"})
    found["practice-report"].validate_parameters({"days": 90})
    found["detect-opportunities"].validate_parameters({"days": 28})
    found["send-digests"].validate_parameters({})
    found["sync-itsm"].validate_parameters({})
    with pytest.raises(Exception, match="improvement_id"):
        found["improvement-lifecycle"].validate_parameters({})


def test_serve_runs_exactly_the_declared_deployments_on_their_schedules() -> None:
    from ci_workflow.orchestration.serve import served

    declared = {d["name"]: d for d in deployments()}
    assert set(declared) == {
        "improvement-lifecycle",
        "gate-watchdog",
        "capture-checkpoints",
        "practice-report",
        "detect-opportunities",
        "send-digests",
        "sync-itsm",
    }
    given = {options["name"]: (flow, options) for flow, options in served()}
    assert set(given) == set(declared)
    for name, (flow, options) in given.items():
        crons = [s.cron for s in options["schedules"]]
        assert crons == [s["cron"] for s in declared[name].get("schedules", [])], name
        entrypoint = flow.to_deployment(**options).entrypoint  # type: ignore[union-attr]
        assert entrypoint is not None
        assert entrypoint.endswith(declared[name]["entrypoint"]), name
