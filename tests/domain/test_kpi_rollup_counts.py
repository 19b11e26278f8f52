"""The rolled-up KPIs count each objective that moved the better way, the worse way or not at
all, over every improvement; a ratio of ratios has no unit; time to implement is in days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.measures.kpi_rollup import ClosedImprovement, Kpi, ObjectiveResult, rollup

START = datetime(2026, 1, 1, tzinfo=UTC)


def objective(
    kind: str, before: float | None, after: float | None, direction: str, unit: str = "h"
) -> ObjectiveResult:
    return ObjectiveResult(f"m{before}-{after}", kind, unit, direction, before, after, "met")


def closed(*objectives: ObjectiveResult, days: int = 10) -> ClosedImprovement:
    return ClosedImprovement(
        "Incident Management", None, START, START + timedelta(days=days), None, None, objectives
    )


def test_better_worse_and_unchanged_objectives_are_counted_over_every_improvement() -> None:
    first = closed(
        objective("service_performance", 10, 12, "increase"),  # +2, better
        objective("service_performance", 5, 6, "increase"),  # +1, better
        objective("service_performance", 10, 7, "increase"),  # -3, worse
    )
    second = closed(
        objective("service_performance", 20, 15, "decrease"),  # -5, better
        objective("service_performance", 20, 26, "decrease"),  # +6, worse
        objective("service_performance", 8, 8, "decrease"),  # 0, neither
        objective("service_performance", None, 5, "decrease"),  # no before: counts for nothing
    )
    found = rollup([first, second])["service_performance"]
    # Each improvement brings the mean of its objectives: 0 and 1/3.
    assert found.value == pytest.approx((0 + 1 / 3) / 2)
    assert (found.count, found.better, found.worse, found.unit) == (2, 3, 2, "h")


def test_efficiency_is_better_above_0_worse_below_and_has_no_unit() -> None:
    first = closed(
        objective("process_efficiency", 4, 4, "increase", "tickets/h"),  # 0: neither
        objective("process_efficiency", 5, 4, "increase", "tickets/h"),  # -0.2: worse
    )
    second = closed(objective("process_efficiency", 4, 5, "increase", "tickets/h"))  # +0.25
    found = rollup([first, second])["process_efficiency"]
    assert found.value == pytest.approx(((0 - 0.2) / 2 + 0.25) / 2)
    assert (found.count, found.better, found.worse, found.unit) == (2, 1, 1, "")


def test_a_falling_share_where_lower_is_better_counts_as_better() -> None:
    # The demo's rework share 0.33 → 0.077 beside hours per ticket rising 2 → 3.
    first = closed(objective("process_efficiency", 0.33, 0.077, "decrease", "share"))
    second = closed(objective("process_efficiency", 2, 3, "decrease", "h/ticket"))
    found = rollup([first, second])["process_efficiency"]
    assert found.value == pytest.approx(((0.33 - 0.077) / 0.33 + (2 - 3) / 2) / 2)
    assert (found.better, found.worse) == (1, 1)


def test_time_to_implement_is_the_mean_in_days_and_roi_without_costs_is_na() -> None:
    kpis = rollup([closed(days=10), closed(days=30)])
    assert kpis["time_to_implement"] == Kpi(20.0, 2, unit="days")
    assert kpis["roi"] == Kpi(
        None, 0, "no closed improvement has a realised gain and a non-zero actual cost"
    )
