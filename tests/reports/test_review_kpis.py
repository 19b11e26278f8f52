"""An objective's KPI in its review, as people read it: a process efficiency says how the
metric moved in its own direction (issue 25: a rework share that fell 0.33 → 0.077 read
"×4.29 (+329 %)")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ci_workflow.domain.measures.evaluation import Point, evaluate
from ci_workflow.reports.review import kpi_text

START = datetime(2026, 3, 1, tzinfo=UTC)


def reviewed(baseline: float, final: float, direction: str) -> str:
    evaluation = evaluate(
        metric="rework_share",
        description="",
        unit="",
        baseline=baseline,
        target=baseline / 2 if direction == "decrease" else baseline * 2,
        direction=direction,
        kpi_kind="process_efficiency",
        points=[Point(datetime(2026, 4, 1, tzinfo=UTC), final, "final")],
        started_at=START,
    )
    return kpi_text(evaluation)


@pytest.mark.parametrize(
    ("baseline", "final", "direction", "change", "words"),
    [
        # lower is better, and it fell: a reduction, the better way
        (0.33, 0.077, "decrease", (0.33 - 0.077) / 0.33, "reduction (lower is better)"),
        # lower is better, and it rose: worse
        (0.2, 0.3, "decrease", (0.3 - 0.2) / 0.2, "increase (lower is better: worse)"),
        (4.0, 5.0, "increase", (5 - 4) / 4, "increase (higher is better)"),
        (5.0, 4.0, "increase", (5 - 4) / 5, "reduction (higher is better: worse)"),
    ],
)
def test_an_efficiency_reads_in_its_metrics_direction(
    baseline: float, final: float, direction: str, change: float, words: str
) -> None:
    assert reviewed(baseline, final, direction) == f"{round(change * 100, 1):g} % {words}"
