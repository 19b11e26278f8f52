"""How far an objective has come (its trend read at the due date), and whether the gain held
after closing (the sustainment threshold, the breach, the statement)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ci_workflow.domain.measures.evaluation import Point
from ci_workflow.domain.measures.progress import Progress, assess, end_of
from ci_workflow.domain.measures.sustainment import (
    Held,
    HoldAnswer,
    Sustainment,
    Threshold,
    parse_sustain,
    threshold,
)
from ci_workflow.domain.measures.sustainment import assess as sustained

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)  # 20454 days after the epoch: whole days throughout


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


# --- progress ---


def test_no_measurement_is_unknown() -> None:
    assert assess(baseline=10, target=5, direction="decrease", due=day(30), points=[]) == Progress(
        None, None, None, None, "unknown", "no measurement yet"
    )


def test_a_decrease_on_its_way_is_on_track_by_its_straight_line() -> None:
    # 10 → 8 in 10 days: -0.2 a day; at day 30: 10 - 6 = 4 ≤ 5. Achieved: 2 of 5 = 40 %.
    found = assess(
        baseline=10,
        target=5,
        direction="decrease",
        due=day(30),
        points=[(day(0), 10), (day(10), 8)],
    )
    assert found.track == "on track"
    assert found.reason == "the trend reaches the target by the due date"
    assert found.latest == 8 and found.latest_at == day(10)
    assert found.achieved_pct == pytest.approx(40.0)
    assert found.projected == pytest.approx(4.0)


def test_a_decrease_too_slow_is_off_track() -> None:
    # at day 20: 10 - 4 = 6 > 5
    found = assess(
        baseline=10,
        target=5,
        direction="decrease",
        due=day(20),
        points=[(day(0), 10), (day(10), 8)],
    )
    assert found.track == "off track"
    assert found.reason == "the trend misses the target at the due date"
    assert found.projected == pytest.approx(6.0)
    assert found.achieved_pct == pytest.approx(40.0)
    assert found.latest == 8 and found.latest_at == day(10)


def test_an_increase_projected_exactly_onto_its_target_is_on_track() -> None:
    # 50, 60, 70 at days 0, 10, 20: +1 a day, 90 at day 40 exactly
    points = [(day(0), 50.0), (day(10), 60.0), (day(20), 70.0)]
    on = assess(baseline=50, target=90, direction="increase", due=day(40), points=points)
    assert on.track == "on track" and on.projected == 90.0
    assert on.achieved_pct == 50.0
    off = assess(baseline=50, target=90, direction="increase", due=day(39), points=points)
    assert off.track == "off track" and off.projected == 89.0


def test_the_latest_value_on_the_target_is_met() -> None:
    found = assess(
        baseline=10, target=5, direction="decrease", due=day(30), points=[(day(0), 9), (day(3), 5)]
    )
    assert found == Progress(5, day(3), 100.0, None, "met", "the latest value meets the target")
    up = assess(baseline=1, target=3, direction="increase", due=day(30), points=[(day(1), 3.0)])
    assert up.track == "met" and up.achieved_pct == 100.0


def test_one_point_short_of_the_target_cannot_be_projected() -> None:
    found = assess(baseline=10, target=5, direction="decrease", due=day(9), points=[(day(1), 7)])
    assert found == Progress(7, day(1), 60.0, None, "unknown", "needs two checkpoints or more")


def test_two_points_at_one_moment_cannot_be_projected() -> None:
    found = assess(
        baseline=None, target=5, direction="decrease", due=day(9), points=[(day(1), 7), (day(1), 6)]
    )
    assert found == Progress(6, day(1), None, None, "unknown", "needs two checkpoints or more")


def test_no_share_achieved_without_baseline_or_with_target_on_baseline() -> None:
    points = [(day(0), 12.0), (day(10), 11.0)]
    no_baseline = assess(baseline=None, target=5, direction="decrease", due=day(30), points=points)
    assert no_baseline.achieved_pct is None and no_baseline.track == "off track"
    flat = assess(baseline=5, target=5, direction="decrease", due=day(30), points=points)
    assert flat.achieved_pct is None


def test_the_due_date_is_the_last_second_of_its_day_in_utc() -> None:
    assert end_of(date(2026, 6, 30)) == datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert end_of(date(2026, 6, 30)).tzinfo is UTC


# --- sustainment: the period ---


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("12w", 84), ("1d", 1), ("1098d", 1098), ("156w", 1092)]
)
def test_a_sustainment_period_is_read_in_days(text: str, days: int) -> None:
    assert parse_sustain(text) == days


@pytest.mark.parametrize("text", ["0d", "90", "90h", "12345d", "07d", "d", "-5d", "9d9"])
def test_a_malformed_period_says_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_sustain(text)
    assert str(caught.value) == f"not a sustainment period: {text!r} (e.g. 90d, 12w)"


@pytest.mark.parametrize("text", ["1099d", "157w", "9999d"])
def test_a_period_longer_than_three_years_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_sustain(text)
    assert str(caught.value) == "a sustainment period is at most 1098 days"


# --- sustainment: the threshold ---


def test_the_threshold_is_the_xmr_limit_on_the_side_not_to_go_back_to() -> None:
    # after the change 10, 12, 16: centre 38/3, moving ranges 2 and 4, mean 3, 2.66 × 3 = 7.98
    after = [10.0, 12.0, 16.0]
    assert threshold(direction="decrease", baseline=20, after_change=after) == Threshold(
        pytest.approx(38 / 3 + 7.98), "upper XmR limit after the change"
    )
    assert threshold(direction="increase", baseline=None, after_change=after) == Threshold(
        pytest.approx(38 / 3 - 7.98), "lower XmR limit after the change"
    )


def test_two_measurements_after_the_change_are_enough_for_limits() -> None:
    # 8, 6: centre 7, moving range 2, 2.66 × 2 = 5.32
    found = threshold(direction="decrease", baseline=None, after_change=[8.0, 6.0])
    assert found is not None and found.value == pytest.approx(12.32)


def test_one_measurement_sets_the_threshold_at_half_the_gain_lost() -> None:
    # baseline 20, reached 10: back past 15 is half the gain lost
    assert threshold(direction="decrease", baseline=20, after_change=[10.0]) == Threshold(
        15.0, "half the gain lost"
    )
    assert threshold(direction="increase", baseline=60, after_change=[80.0]) == Threshold(
        70.0, "half the gain lost"
    )


def test_no_threshold_without_a_baseline_or_any_measurement() -> None:
    assert threshold(direction="decrease", baseline=None, after_change=[10.0]) is None
    assert threshold(direction="decrease", baseline=20, after_change=[]) is None


# --- sustainment: did it hold ---

CLOSED = day(30)
STARTED = day(10)


def p(n: float, value: float, kind: str = "checkpoint") -> Point:
    return Point(day(n), value, kind)


def hold(points: list[Point], *, direction: str = "decrease", now: float = 50, **kw) -> Sustainment:
    args = {"baseline": 20.0, "started_at": STARTED, "closed_at": CLOSED, "days": 60}
    args.update(kw)
    return sustained(direction=direction, points=points, now=day(now), **args)


def test_the_threshold_is_made_of_the_measurements_between_start_and_close() -> None:
    # before the start (day 5: 40), after the close (day 31: 99, a checkpoint) and the sustain
    # kind are not "after the change"; 10 (day 10, the start itself) and 12 (day 30, the close
    # itself) are: centre 11, moving range 2, limit 11 + 5.32 = 16.32
    points = [p(5, 40), p(10, 10), p(30, 12), p(31, 99), p(20, 1, "sustain"), p(35, 16, "sustain")]
    found = hold(points)
    assert found.threshold == Threshold(pytest.approx(16.32), "upper XmR limit after the change")
    assert found.held == Held.measuring
    assert found.points == (p(35, 16, "sustain"),)
    assert found.breach is None
    assert found.ends == day(90)


def test_a_measurement_back_past_the_threshold_is_a_regression() -> None:
    points = [
        p(10, 10),
        p(30, 12),
        p(40, 16, "sustain"),
        p(50, 17, "sustain"),
        p(60, 18, "sustain"),
    ]
    found = hold(points)
    assert found.held == Held.regressed
    assert found.breach == p(50, 17, "sustain")
    assert found.ends == day(90)
    assert found.points == (p(40, 16, "sustain"), p(50, 17, "sustain"), p(60, 18, "sustain"))
    assert found.statement == (
        "went back past 16.3 (upper XmR limit after the change): 17 on 2026-02-20"
    )


def test_an_increase_regresses_below_its_threshold() -> None:
    # 80 (day 20), 84 (day 30): centre 82, range 4, lower limit 82 - 10.64 = 71.36
    points = [p(20, 80), p(30, 84), p(40, 72, "sustain"), p(45, 71, "sustain")]
    found = hold(points, direction="increase", baseline=60.0)
    assert found.held == Held.regressed and found.breach == p(45, 71, "sustain")
    above = hold(points[:3], direction="increase", baseline=60.0)
    assert above.held == Held.measuring and above.breach is None


def test_a_value_on_the_threshold_is_no_regression() -> None:
    # one measurement after the change: baseline 20, reached 10, threshold 15 exactly
    found = hold([p(20, 10), p(40, 15, "sustain")])
    assert found.threshold == Threshold(15.0, "half the gain lost")
    assert found.held == Held.measuring and found.breach is None


def test_only_sustain_measurements_within_the_period_count() -> None:
    # day 30 is the close itself (not after it); day 91 is past the end (day 90)
    points = [p(20, 10), p(30, 99, "sustain"), p(90, 14, "sustain"), p(91, 99, "sustain")]
    found = hold(points, now=95)
    assert found.points == (p(90, 14, "sustain"),)
    assert found.held == Held.held


def test_held_once_the_period_ends_and_measuring_until_then() -> None:
    points = [p(20, 10), p(40, 14, "sustain")]
    assert hold(points, now=89).held == Held.measuring
    assert hold(points, now=90).held == Held.held
    ended = hold(points, now=90)
    assert ended.statement == "held to 2026-04-01: latest 14, within 15"


def test_no_start_means_nothing_after_the_change() -> None:
    found = hold([p(20, 10), p(40, 30, "sustain")], started_at=None)
    assert found.held == Held.unknown and found.threshold is None and found.breach is None
    assert found.points == (p(40, 30, "sustain"),)
    assert found.ends == day(90)
    assert found.statement == "no threshold: nothing was measured after the change"


def test_the_statement_while_measuring() -> None:
    measuring = hold([p(20, 10), p(40, 14.25, "sustain")])
    assert measuring.statement == (
        "holding so far (latest 14.3, threshold 15, half the gain lost); measured until 2026-04-01"
    )
    nothing = hold([p(20, 10)])
    assert nothing.statement == (
        "holding so far (nothing measured yet, threshold 15, half the gain lost); "
        "measured until 2026-04-01"
    )
    held = hold([p(20, 10)], now=120)
    assert held.statement == "held to 2026-04-01: nothing measured yet, within 15"


def test_a_hold_answer_keeps_its_line_and_objectives() -> None:
    one = hold([p(20, 10)])
    answer = HoldAnswer("1 of 1 held", [("mttr", one)])
    assert answer.line == "1 of 1 held" and answer.objectives == [("mttr", one)]
