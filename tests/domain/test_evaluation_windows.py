"""Verdict statistics on measurements whose windows overlap (issue 25): the test takes values that
share no data, a window straddling the start is on neither side, and nothing after the start
means no signal is claimed. Expected values from scipy and counting in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.measures.evaluation import (
    Point,
    apart,
    control_limits,
    evaluate,
    sides,
)

START = datetime(2026, 6, 1, tzinfo=UTC)
MONTH = timedelta(days=30)


def judged(points: list[Point], started: datetime | None, window: timedelta = MONTH):  # type: ignore[no-untyped-def]
    return evaluate(
        metric="mttr_hours",
        description="",
        unit="h",
        baseline=10.0,
        target=5.0,
        direction="decrease",
        kpi_kind="service_performance",
        points=points,
        started_at=started,
        window=window,
    )


def weekly(first: datetime, values: list[float]) -> list[Point]:
    return [Point(first + timedelta(weeks=n), v, "checkpoint") for n, v in enumerate(values)]


def test_weekly_checkpoints_over_30_day_windows_are_tested_on_those_that_share_no_data() -> None:
    from scipy import stats

    before_values = [10.0 + (n % 3) * 0.5 for n in range(20)]
    after_values = [6.0 + (n % 4) * 0.3 for n in range(12)]
    before = weekly(START - timedelta(weeks=20), before_values)
    after = weekly(START + MONTH, after_values)
    result = judged(before + after, START)
    # Kept: the latest, then every fifth week back (35 days >= 30): four of 20, three of 12.
    kept_before = [before_values[i] for i in (4, 9, 14, 19)]
    kept_after = [after_values[i] for i in (1, 6, 11)]
    expected = stats.ttest_ind(kept_after, kept_before, equal_var=False).pvalue
    assert result.shift.p_value == pytest.approx(expected, rel=1e-12)
    assert result.shift.statement.endswith(
        "(tested on 4 before and 3 after whose windows do not overlap, of 20 and 12)"
    )
    # The limits come from the four independent ones before; only the after side is judged.
    assert result.limits.statement.startswith("centre 10.5, limits ")
    assert "from 4 measurements before execution" in result.limits.statement
    assert min(result.limits.signals) >= 20


def test_a_window_straddling_the_start_is_on_neither_side() -> None:
    points = [
        Point(START - timedelta(days=1), 10.0, "checkpoint"),
        Point(START, 9.0, "checkpoint"),  # its window is all before the start, but it is at it
        Point(START + timedelta(days=10), 8.0, "checkpoint"),
        Point(START + MONTH, 6.0, "checkpoint"),  # its window begins exactly at the start
    ]
    before, after = sides(points, START, MONTH)
    assert [p.value for p in before] == [10.0]
    assert [p.value for p in after] == [6.0]
    result = judged(points, START)
    assert "2 measurements whose window straddles the start are on neither side" in (
        result.shift.statement
    )
    one = judged(points[:1] + points[2:], START)
    assert "1 measurement whose window straddles the start is on neither side" in (
        one.shift.statement
    )
    # Without a window, a measurement at the start is after it, as before.
    assert [p.value for p in sides(points, START, timedelta(0))[1]] == [9.0, 8.0, 6.0]
    assert sides(points, None, MONTH) == (points, [])


def test_measurements_exactly_a_window_apart_share_no_data() -> None:
    points = [Point(START + n * MONTH, float(n), "checkpoint") for n in range(4)]
    assert apart(points, MONTH) == points
    nearer = [
        Point(START + n * (MONTH - timedelta(seconds=1)), float(n), "checkpoint") for n in range(4)
    ]
    assert [p.value for p in apart(nearer, MONTH)] == [1.0, 3.0]
    assert apart([], MONTH) == []


def test_no_signal_is_claimed_without_a_measurement_after_the_start() -> None:
    points = weekly(START - timedelta(weeks=6), [10.0, 12.0, 10.0, 30.0, 11.0, 10.0])
    result = judged(points, START, timedelta(0))
    assert result.limits.signals == ()
    assert result.limits.statement.endswith("no measurement after it yet: nothing to judge")
    not_started = judged(points, None, timedelta(0))
    assert not_started.limits.signals == () and "nothing to judge" in not_started.limits.statement
    limits = control_limits([10.0, 12.0], [10.0, 30.0, 30.0, 11.0], judged_from=2)
    assert limits.signals == (2,) and "1 point(s) beyond the limits" in limits.statement


def test_a_run_is_counted_only_after_the_start() -> None:
    before = [10.0, 12.0] * 2
    # Eight above the centre: four before the start, four after: not a run of eight after it.
    values = before[:2] + [11.5] * 4 + [11.5] * 4
    assert control_limits(before, values, judged_from=6).signals == ()
    assert control_limits(before, values, judged_from=2).signals == tuple(range(2, 10))


def test_a_direct_chart_judges_from_the_first_value_and_no_judging_keeps_the_limits() -> None:
    limits = control_limits([10.0, 12.0], [30.0, 11.0])  # the first value is beyond the limits
    assert limits.signals == (0,)
    nothing = control_limits([10.0, 12.0], [10.0, 12.0], judged_from=2)
    # Centre 11, mean moving range 2: limits 11 ± 5.32, kept though nothing is judged.
    assert (nothing.centre, nothing.upper, nothing.lower) == pytest.approx((11.0, 16.32, 5.68))


def test_both_notes_are_said_apart() -> None:
    before = weekly(START - timedelta(weeks=20), [10.0 + (n % 3) * 0.5 for n in range(20)])
    straddling = [Point(START + timedelta(days=3), 8.0, "checkpoint")]
    after = weekly(START + MONTH, [6.0 + (n % 4) * 0.3 for n in range(12)])
    result = judged(before + straddling + after, START)
    assert result.shift.statement.endswith(
        "(tested on 4 before and 3 after whose windows do not overlap, of 20 and 12; "
        "1 measurement whose window straddles the start is on neither side)"
    )
