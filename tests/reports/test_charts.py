"""Charts people read: the target and baseline inside the plot, one legend entry for both
control limits, where execution started, and axes in the units people use (issue 23)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ci_workflow.domain.measures.evaluation import Point, evaluate
from ci_workflow.domain.measures.practice_stats import Spread, WaitFigures
from ci_workflow.reports.charts import gate_wait_chart, objective_chart

START = datetime(2026, 1, 5, tzinfo=UTC)


def mttr(values: list[float], started_week: int | None) -> str:
    points = [Point(START + timedelta(weeks=i), v, "checkpoint") for i, v in enumerate(values)]
    started = None if started_week is None else START + timedelta(weeks=started_week, days=3)
    evaluation = evaluate(
        metric="mttr_hours",
        description="",
        unit="h",
        baseline=9.5,
        target=6,
        direction="decrease",
        kpi_kind="service_performance",
        points=points,
        started_at=started,
    )
    return objective_chart(evaluation)


def y_labels(svg: str) -> list[str]:
    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*</g>\s*<g class="axis x', svg, re.S)
    assert axis is not None
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis.group(1))


def test_the_target_below_every_measurement_is_drawn_inside_the_plot() -> None:
    svg = mttr([9.8, 10.1, 9.6, 9.9, 10.2, 9.7, 9.9, 10.0], started_week=None)
    lowest = min(float(label.split()[0]) for label in y_labels(svg))
    assert lowest <= 6  # the axis reaches the target line at 6 h, below every measurement
    assert all(label.endswith(" h") for label in y_labels(svg))


def test_both_control_limits_are_one_legend_entry_and_the_start_is_marked() -> None:
    svg = mttr([9.8, 10.1, 9.6, 9.9, 10.2, 9.7, 9.9, 10.0, 6.1, 6.3, 5.9, 6.2], started_week=7)
    assert svg.count(">control limits<") == 1
    assert "upper limit" not in svg and "lower limit" not in svg
    assert svg.count(">execution started<") == 1


def test_no_start_mark_before_execution_started() -> None:
    svg = mttr([9.8, 10.1, 9.6, 9.9], started_week=None)
    assert "execution started" not in svg


def test_short_gate_waits_read_in_hours_and_long_ones_in_days() -> None:
    short = [
        WaitFigures("plan_approval", Spread(3, 0.00032, 0.0008), 0, None),
        WaitFigures("review_signoff", Spread(2, 0.02, 0.05), 0, None),
    ]
    svg = gate_wait_chart(short, 5)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert not [x for x in texts if re.search(r"\d[eE]-\d", x)]  # no label reads 8e-05
    assert "hours" in svg and all(label.endswith(" h") for label in y_labels(svg))
    # 0.05 days is 1.2 hours: the highest label reaches it.
    assert max(float(label.split()[0]) for label in y_labels(svg)) >= 1.2
    long = [WaitFigures("plan_approval", Spread(3, 2.5, 9.0), 0, None)]
    assert all(label.endswith(" days") for label in y_labels(gate_wait_chart(long, 5)))


def test_waits_of_seconds_or_minutes_read_in_seconds_or_minutes() -> None:
    # A demo's gates decided seconds apart: 0.00194 h on the axis helps nobody.
    seconds = [WaitFigures("plan_approval", Spread(3, 0.00002, 0.00008), 0, None)]  # 1.7 and 6.9 s
    svg = gate_wait_chart(seconds, 5)
    assert "seconds" in svg and all(label.endswith(" s") for label in y_labels(svg))
    assert '<desc class="value">6.91 s</desc>' in svg  # the p90 bar, 0.00008 days
    minutes = [WaitFigures("plan_approval", Spread(3, 0.004, 0.02), 0, None)]  # 5.8 and 28.8 min
    assert all(label.endswith(" min") for label in y_labels(gate_wait_chart(minutes, 5)))
