"""The review's numbers against a hand computation: the final value, achieved %, the XmR limits
(centre ± 2.66 × mean moving range), runs on either side of the centre, Welch's t-test and
Cohen's d, and what too little data says. Expected values are worked out here, not by the
project's code."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.measures.evaluation import (
    Evaluation,
    Point,
    control_limits,
    evaluate,
    shift,
)

START = datetime(2026, 1, 5, tzinfo=UTC)


def week(n: int) -> datetime:
    return START + timedelta(weeks=n)


def judged(
    points: list[Point],
    *,
    baseline: float | None = 10.0,
    target: float = 6.0,
    started_at: datetime | None = None,
) -> Evaluation:
    return evaluate(
        metric="mttr_hours",
        description="mean time to restore",
        unit="h",
        baseline=baseline,
        target=target,
        direction="decrease",
        kpi_kind="service_performance",
        points=points,
        started_at=started_at,
    )


def test_the_final_value_is_the_last_checkpoint_when_there_is_no_final() -> None:
    points = [Point(week(0), 10.0, "baseline")] + [
        Point(week(n), v, "checkpoint") for n, v in ((1, 9.0), (2, 8.5), (3, 8.0))
    ]
    found = judged(points)
    assert found.final == 8.0
    assert found.change == pytest.approx(-2.0)
    assert found.achieved_pct == pytest.approx(50.0)  # -2 of the -4 wanted
    assert found.verdict == "partially met"
    assert found.kpi.value == pytest.approx(2.0)
    assert found.points == tuple(points)


def test_the_final_capture_wins_over_later_checkpoints_and_the_last_final_over_earlier() -> None:
    points = [
        Point(week(1), 9.0, "checkpoint"),
        Point(week(2), 7.0, "final"),
        Point(week(3), 5.0, "final"),
        Point(week(4), 8.0, "checkpoint"),
    ]
    found = judged(points)
    assert found.final == 5.0 and found.achieved_pct == pytest.approx(125.0)
    assert found.verdict == "met"


def test_a_baseline_only_is_not_a_final_value() -> None:
    found = judged([Point(week(0), 10.0, "baseline")])
    assert found.final is None and found.change is None and found.achieved_pct is None
    assert found.verdict == "not measured"


def test_no_baseline_is_not_a_crash() -> None:
    found = judged([Point(week(1), 7.0, "checkpoint")], baseline=None)
    assert found.final == 7.0 and found.change is None and found.achieved_pct is None
    assert found.verdict == "not measured"
    assert found.kpi.value is None and str(found.kpi) == "n/a (no before value)"


def test_a_target_equal_to_the_baseline_is_not_a_crash() -> None:
    found = judged([Point(week(1), 7.0, "checkpoint")], baseline=6.0, target=6.0)
    assert found.change == pytest.approx(1.0)
    assert found.achieved_pct is None and found.verdict == "not measured"


def test_no_points_at_all() -> None:
    found = judged([])
    assert found.final is None and found.verdict == "not measured"
    assert not found.shift.tested and found.limits.centre is None


def test_a_point_at_the_start_of_execution_counts_as_after_it() -> None:
    before, after = [10.0, 11.0, 9.0], [7.0, 6.0, 8.0]
    points = [Point(week(n), v, "checkpoint") for n, v in enumerate(before + after)]
    found = judged(points, started_at=week(3))
    assert found.shift.tested
    assert found.shift.mean_before == pytest.approx(10.0)
    assert found.shift.mean_after == pytest.approx(7.0)
    # The limits come from the three before only: centre 10, moving ranges 1 and 2.
    assert found.limits.centre == pytest.approx(10.0)
    assert found.limits.upper == pytest.approx(10.0 + 2.66 * 1.5)
    assert found.started_at == datetime(2026, 1, 26, tzinfo=UTC)  # passed through: week 3


def test_the_evaluation_carries_where_its_points_split() -> None:
    points = [Point(week(n), v, "checkpoint") for n, v in enumerate([10.0, 9.0])]
    assert judged(points, started_at=week(1)).started_at == datetime(2026, 1, 12, tzinfo=UTC)
    assert judged(points, started_at=None).started_at is None


def test_nothing_is_after_a_start_that_has_not_come() -> None:
    points = [Point(week(n), v, "checkpoint") for n, v in enumerate([10.0, 11.0, 9.0, 7.0])]
    found = judged(points, started_at=None)
    assert not found.shift.tested
    assert "4 measurements before execution started and 0 after" in found.shift.statement


def test_xmr_limits_are_the_mean_plus_and_minus_2_66_mean_moving_ranges() -> None:
    baseline = [10.0, 12.0, 9.0, 13.0, 8.0, 12.0]
    # By hand: mean 64 / 6; moving ranges 2, 3, 4, 5, 4, their mean 18 / 5 = 3.6.
    centre, moving = 64 / 6, 3.6
    upper, lower = centre + 2.66 * moving, centre - 2.66 * moving  # 20.2427 and 1.0907
    values = [*baseline, 20.0, 20.5, 1.2, 1.0]
    limits = control_limits(baseline, values)
    assert limits.centre == pytest.approx(centre)
    assert limits.upper == pytest.approx(upper)
    assert limits.lower == pytest.approx(lower)
    assert limits.signals == (7, 9)  # 20.5 above the upper limit, 1.0 below the lower
    assert limits.statement == (
        "centre 10.7, limits 1.09 to 20.2 from 6 measurements before execution; "
        "2 point(s) beyond the limits: a signal of real change"
    )


def test_points_just_inside_the_limits_are_no_signal() -> None:
    limits = control_limits([10.0, 12.0], [10.0, 12.0, 16.3, 5.7, 11.0])  # 11 ± 5.32
    assert limits.upper == pytest.approx(16.32) and limits.lower == pytest.approx(5.68)
    assert limits.signals == ()
    assert limits.statement == (
        "centre 11, limits 5.68 to 16.3 from 2 measurements before execution; "
        "0 point(s) beyond the limits: no signal of change"
    )


@pytest.mark.parametrize("side", [+1.0, -1.0])
def test_a_run_of_8_on_either_side_of_the_centre_is_a_signal(side: float) -> None:
    # Centre 11, limits 5.68 to 16.32; a point on the other side, eight on this one, another.
    values = [11.0 - side, *([11.0 + side] * 8), 11.0 - side]
    limits = control_limits([10.0, 12.0], values)
    assert limits.signals == tuple(range(1, 9))
    assert limits.statement.endswith(
        "0 point(s) beyond the limits, and runs of 8+ on one side: a signal of real change"
    )


@pytest.mark.parametrize("side", [+1.0, -1.0])
def test_a_run_of_7_is_no_signal(side: float) -> None:
    values = [11.0 - side, *([11.0 + side] * 7), 11.0 - side]
    assert control_limits([10.0, 12.0], values).signals == ()


def test_a_point_on_the_centre_breaks_a_run_and_starts_none() -> None:
    assert control_limits([10.0, 12.0], [12.0] * 4 + [11.0] + [12.0] * 4).signals == ()
    assert control_limits([10.0, 12.0], [11.0] * 9).signals == ()


def test_a_run_longer_than_8_is_flagged_whole_and_a_switch_of_side_restarts_it() -> None:
    values = [10.0] * 3 + [12.0] * 9 + [10.0]
    assert control_limits([10.0, 12.0], values).signals == tuple(range(3, 12))


def test_welch_t_test_and_cohens_d_against_a_hand_computation() -> None:
    before, after = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    # Means 2 and 5, variances 1 and 1: d = 3 / sqrt((1 + 1) / 2) = 3. Welch's t = 3 / sqrt(2/3)
    # with 4 degrees of freedom, whose two-sided p has a closed form.
    t = 3 / math.sqrt(2 / 3)
    x = t * t / 4
    p = 2 * (1 - (0.5 + 0.375 * t / math.sqrt(1 + x) * (1 - x / (3 * (1 + x)))))
    found = shift(before, after)
    assert found.tested
    assert found.mean_before == pytest.approx(2.0) and found.mean_after == pytest.approx(5.0)
    assert found.effect_size == pytest.approx(3.0)
    assert found.p_value == pytest.approx(p)  # 0.0213
    assert found.statement == (
        "the mean moved from 2 to 5 (Welch's t-test p = 0.021, Cohen's d = 3): "
        "a real shift at the 5 % level"
    )
    down = shift(after, before)
    assert down.effect_size == pytest.approx(-3.0) and down.p_value == pytest.approx(p)


def test_values_without_variation_are_not_tested() -> None:
    assert shift([2.0] * 3, [2.0] * 3).statement == (
        "no variation to test: the values did not move from 2 to 2"
    )
    flat = shift([2.0] * 3, [3.0] * 4)
    assert not flat.tested and flat.p_value is None and flat.effect_size is None
    assert (flat.mean_before, flat.mean_after) == (2.0, 3.0)
    assert flat.statement == "no variation to test: the values moved from 2 to 3"


def test_more_than_enough_on_one_side_never_asks_for_a_negative_number() -> None:
    found = shift([1.0, 2.0], [3.0, 4.0, 5.0, 6.0, 7.0])
    assert found.statement == (
        "too little data to test for a shift: 2 measurements before execution started and 5 "
        "after; 1 more before the start is needed (from history, by a backfill)"
    )
    found = shift([1.0, 2.0, 3.0, 4.0, 5.0], [6.0])
    assert found.statement == (
        "too little data to test for a shift: 5 measurements before execution started and 1 "
        "after; 2 more checkpoints after the start are needed"
    )
    for statement in (
        shift([1.0] * 9, [2.0]).statement,
        shift([1.0], [2.0] * 9).statement,
        control_limits([], [1.0]).statement,
    ):
        assert "-" not in statement, statement


def test_one_missing_on_each_side_is_two_things_needed() -> None:
    weekly = [week(10), week(11)]
    assert shift([1.0, 2.0], [3.0, 4.0], weekly).statement == (
        "too little data to test for a shift: 2 measurements before execution started and 2 "
        "after; 1 more before the start and 1 more checkpoint after it are needed (those before "
        "from history, by a backfill; the checkpoint by about 2026-03-16 on its schedule)"
    )
    assert shift([1.0, 2.0, 3.0], [4.0, 5.0], weekly).statement.endswith(
        "1 more checkpoint after the start is needed (by about 2026-03-16 on its schedule)"
    )
    # More checkpoints wanted than are scheduled: no date promised.
    assert shift([1.0, 2.0, 3.0], [], weekly).statement.endswith(
        "3 more checkpoints after the start are needed"
    )


def test_no_measurement_before_the_start_gives_no_limits() -> None:
    limits = control_limits([], [5.0, 6.0])
    assert (limits.centre, limits.upper, limits.lower, limits.signals) == (None, None, None, ())
    assert limits.statement == (
        "too little data for control limits: 0 measurements before execution started; "
        "2 more before the start are needed (from history, by a backfill)"
    )


def test_two_checkpoints_still_to_come_are_dated_by_the_second() -> None:
    weekly = [week(10), week(11), week(12)]
    assert shift([1.0], [2.0], weekly).statement == (
        "too little data to test for a shift: 1 measurement before execution started and 1 "
        "after; 2 more before the start and 2 more checkpoints after it are needed (those before "
        "from history, by a backfill; the checkpoints by about 2026-03-23 on its schedule)"
    )


def test_too_little_data_is_not_tested() -> None:
    assert shift([1.0], [2.0]).tested is False
    assert shift([2.0] * 3, [2.0] * 3).tested is False


def test_a_point_exactly_on_a_limit_is_not_beyond_it() -> None:
    # Centre 11, mean moving range 2: the limits as the chart's formula gives them.
    upper, lower = 11.0 + 2.66 * 2.0, 11.0 - 2.66 * 2.0
    limits = control_limits([10.0, 12.0], [upper, lower])
    assert (limits.upper, limits.lower) == (upper, lower)
    assert limits.signals == ()
    assert "; 0 point(s) beyond the limits: no signal of change" in limits.statement


def test_welch_not_students_t_test_when_the_spreads_differ() -> None:
    from scipy import stats  # the t distribution only, not the test under check

    before, after = [1.0, 2.0, 3.0], [4.0, 6.0, 8.0, 10.0]
    # Means 2 and 7, variances 1 and 20/3: Welch's standard error² = 1/3 + (20/3)/4 = 2.
    t = 5 / math.sqrt(2)
    df = 2.0**2 / ((1 / 3) ** 2 / 2 + (5 / 3) ** 2 / 3)
    found = shift(before, after)
    assert found.p_value == pytest.approx(2 * stats.t.sf(t, df))
    assert found.effect_size == pytest.approx(5 / math.sqrt((1 + 20 / 3) / 2))


def test_noise_is_said_to_be_noise() -> None:
    found = shift([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert found.tested and found.p_value is not None and found.p_value > 0.05
    assert found.statement.endswith(
        "Cohen's d = 0.5): not distinguishable from noise at the 5 % level"
    )


def test_the_evaluation_carries_the_objective_and_its_kpi() -> None:
    points = [Point(week(n), v, "checkpoint") for n, v in enumerate([90.0, 91.0, 95.0])]
    found = evaluate(
        metric="uptime",
        description="monthly uptime",
        unit="%",
        baseline=90.0,
        target=99.0,
        direction="increase",
        kpi_kind="service_performance",
        points=points,
        started_at=week(5),
        upcoming=[week(6), week(7), week(8)],
    )
    assert (found.metric, found.description, found.unit, found.direction) == (
        "uptime",
        "monthly uptime",
        "%",
        "increase",
    )
    assert (found.baseline, found.target, found.kpi_kind) == (90.0, 99.0, "service_performance")
    assert found.kpi_name == "service performance improvement"
    assert found.kpi.value == pytest.approx(5.0)  # after − before, higher being better
    assert found.achieved_pct == pytest.approx(5 / 9 * 100)
    # All three measured before the start; the third checkpoint after it is due in week 8.
    assert found.shift.statement.endswith(
        "3 more checkpoints after the start are needed (by about 2026-03-02 on its schedule)"
    )
