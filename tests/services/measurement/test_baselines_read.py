"""An improvement's measured baselines (its page, the baseline confirmation) come from its
baseline captures alone: checkpoints after them, however many, change nothing shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ci_workflow.services.views.gate_warnings import baselines_of
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement, objectives_of
from ci_workflow.store.tables import MetricSnapshot
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml

START = datetime(2026, 11, 2, 6, tzinfo=UTC)


def test_the_latest_successful_baseline_capture_is_shown_whatever_came_after(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    objectives = [
        objective_doc(metric="mttr_hours", baseline="measure"),
        objective_doc(metric="backlog", unit="tickets", baseline=40, direction="decrease"),
    ]
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=objectives))))
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        measured, typed = objectives_of(session, improvement.id or 0)
        measured.baseline = 9.25  # as the capture leaves it
        session.add(measured)
        captures = [
            (measured, "baseline", START, 9.5),
            (measured, "baseline", START + timedelta(days=1), 9.25),
            (measured, "baseline", START + timedelta(days=2), None),  # failed: no value
            (typed, "baseline", START + timedelta(days=3), 41.0),
        ]
        captures += [
            (o, "checkpoint", START + timedelta(days=3 + n), 8.0)
            for o in (measured, typed)
            for n in range(1, 30)
        ]
        for objective, kind, at, value in captures:
            session.add(
                MetricSnapshot(
                    objective_id=objective.id or 0,
                    kind=kind,
                    checkpoint_at=at,
                    value=value,
                    error=None if value is not None else "the source did not answer",
                )
            )
    with transaction(write=False) as session:
        (shown,) = baselines_of(session, get_improvement(session, "IMP-0001"))
    assert (shown.metric, shown.value, shown.window) == ("mttr_hours", 9.25, "30d")
    assert shown.measured_at == START + timedelta(days=1)
    assert shown.confirmed is None
