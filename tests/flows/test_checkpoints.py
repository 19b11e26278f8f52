"""The scheduled capture, run as its deployment by the real server and `improve serve`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.flows.conftest import Served
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.metrics.sources import incident_csv

pytestmark = pytest.mark.slow


def test_the_capture_checkpoints_deployment_captures_due_objectives(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment

    source = {
        "kind": "csv",
        "path": str(incident_csv(tmp_path)),
        "timestamp_column": "opened_at",
        "aggregation": "count",
        "filter": {"category": "network"},
    }
    doc = improvement_doc(
        key="scheduled-capture", objectives=[objective_doc(window="30d", source=source)]
    )
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    ref = cli.json("show", "scheduled-capture")["id"]
    move_to("executing", ref)
    # A key result of the strategy measured from the same source, on the same cadence.
    kr = {
        "key": "network-tickets",
        "title": "Network incidents a month",
        "owner": "Carmen Ruiz",
        "metric": "network_tickets",
        "baseline": 10,
        "target": 2,
        "direction": "decrease",
        "due": "2027-06-30",
        "source": source,
        "window": "30d",
    }
    objective = {"key": "calm", "title": "Calm", "owner": "Carmen Ruiz", "key_results": [kr]}
    goal = {"key": "g", "title": "G", "owner": "Carmen Ruiz", "objectives": [objective]}
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text(yaml.safe_dump({"goals": [goal]}))
    cli.ok("strategy", "apply", str(strategy))
    run = run_deployment(
        "capture-checkpoints/capture-checkpoints",
        parameters={"as_of": "2026-10-14T09:00:00Z"},
        timeout=120,
    )
    assert run.state is not None and run.state.is_completed(), run.state  # type: ignore[union-attr]
    (snapshot,) = cli.json("snapshots", ref)
    # Weekly cadence: the checkpoint is Monday 2026-10-12 06:00; three network incidents opened
    # in the 30 days before it (the fourth opens an hour later).
    assert (snapshot["kind"], snapshot["checkpoint_at"][:16], snapshot["value"]) == (
        "checkpoint",
        "2026-10-12T06:00",
        3.0,
    )
    shown = cli.json("strategy", "show")["goals"][0]["objectives"][0]["key_results"][0]
    assert (shown["latest_at"][:16], shown["latest"]) == ("2026-10-12T06:00", 3.0)
