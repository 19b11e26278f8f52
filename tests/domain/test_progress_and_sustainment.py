"""How far an objective has come (its trend read at the due date), and whether the gain held
after closing (the sustainment threshold, the breach, the statement)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from ci_workflow.domain.measures.evaluation import Point
from ci_workflow.domain.measures.progress import Progress, assess, end_of
from ci_workflow.domain.measures.sustainment import (
    Gain,
    Held,
    HoldAnswer,
    Sustainment,
    Threshold,
    gain_made,
    keep_text,
    parse_keep,
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


# --- sustainment: the share of the gain to keep ---


@pytest.mark.parametrize(
    ("text", "share"),
    [("50%", 0.5), ("50 %", 0.5), ("0%", 0.0), ("100%", 1.0), ("12.5%", 0.125), ("7%", 0.07)],
)
def test_a_share_to_keep_is_read_as_a_share_of_one(text: str, share: float) -> None:
    assert parse_keep(text) == pytest.approx(share)


@pytest.mark.parametrize("text", ["50", "0.5", "half", "-5%", "50%%", "1000%", "5.123%", "%"])
def test_a_malformed_share_says_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_keep(text)
    assert str(caught.value) == f"not a share of the gain: {text!r} (e.g. 50%)"


@pytest.mark.parametrize("text", ["101%", "100.01%", "999%"])
def test_more_than_the_whole_gain_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_keep(text)
    assert str(caught.value) == "a share of the gain to keep is at most 100%"


@pytest.mark.parametrize(("share", "text"), [(0.5, "50%"), (0.125, "12.5%"), (1.0, "100%")])
def test_a_share_is_written_back_as_the_file_has_it(share: float, text: str) -> None:
    assert keep_text(share) == text and parse_keep(text) == pytest.approx(share)


# --- sustainment: the gain and its threshold ---


def test_the_gain_is_from_baseline_to_the_last_measurement_after_the_change() -> None:
    found = gain_made(direction="decrease", baseline=20, after_change=[12.0, 10.0])
    assert found == Gain(20, 10.0)
    assert threshold(Gain(20, 10.0), 0.5) == Threshold(15.0, "50 % of the gain kept")
    # the demo's rework share 0.33 → 0.077, keeping 80 %: 0.33 − 0.8 × 0.253
    assert threshold(Gain(0.33, 0.077), 0.8) == Threshold(
        pytest.approx(0.33 - 0.8 * (0.33 - 0.077)), "80 % of the gain kept"
    )
    assert threshold(Gain(60, 80.0), 0.25) == Threshold(65.0, "25 % of the gain kept")


@pytest.mark.parametrize(
    ("value", "kept"), [(10.0, 1.0), (15.0, 0.5), (20.0, 0.0), (22.0, -0.2), (8.0, 1.2)]
)
def test_how_much_of_a_gain_a_measurement_keeps(value: float, kept: float) -> None:
    # baseline 20, achieved 10: the gain is 10 down
    assert Gain(20, 10).kept(value) == pytest.approx(kept)
    # the same in an increase, baseline 10 achieved 20
    assert Gain(10, 20).kept(30 - value) == pytest.approx(kept)


def test_no_gain_without_a_baseline_a_measurement_or_a_move_the_right_way() -> None:
    assert gain_made(direction="decrease", baseline=None, after_change=[10.0]) == "no baseline"
    assert gain_made(direction="decrease", baseline=20, after_change=[]) == (
        "nothing was measured after the change"
    )
    assert gain_made(direction="decrease", baseline=20, after_change=[20.0]) == (
        "no gain to keep (20 at closing, baseline 20)"
    )
    assert gain_made(direction="decrease", baseline=20, after_change=[25.0]) == (
        "no gain to keep (25 at closing, baseline 20)"
    )
    assert gain_made(direction="increase", baseline=20, after_change=[15.0]) == (
        "no gain to keep (15 at closing, baseline 20)"
    )
    assert gain_made(direction="increase", baseline=20, after_change=[20.5]) == Gain(20, 20.5)
    assert gain_made(direction="decrease", baseline=20, after_change=[19.5]) == Gain(20, 19.5)


# --- sustainment: did it hold ---

CLOSED = day(30)
STARTED = day(10)


def p(n: float, value: float, kind: str = "checkpoint") -> Point:
    return Point(day(n), value, kind)


def hold(points: list[Point], *, direction: str = "decrease", now: float = 50, **kw) -> Sustainment:
    args = {"baseline": 20.0, "started_at": STARTED, "closed_at": CLOSED, "days": 60}
    args.update(kw)
    return sustained(direction=direction, points=points, now=day(now), **args)


def test_the_gain_is_what_was_measured_between_start_and_close() -> None:
    # before the start (day 5: 40) and after the close (day 31: 99, a checkpoint) are not
    # "after the change"; day 30 (the close itself: 12) is the last that is. Baseline 20, so the
    # threshold is 20 − 0.5 × 8 = 16.
    points = [p(5, 40), p(10, 10), p(30, 12), p(31, 99), p(35, 16, "sustain")]
    found = hold(points)
    assert found.gain == Gain(20.0, 12.0)
    assert found.threshold == Threshold(16.0, "50 % of the gain kept")
    assert found.held == Held.measuring
    assert found.points == (p(35, 16, "sustain"),)
    assert found.kept == pytest.approx((16 - 20) / (12 - 20))
    assert found.breach is None
    assert found.ends == day(90)


def test_a_measurement_keeping_less_than_the_share_is_a_regression() -> None:
    # baseline 20, achieved 12: 16 keeps half (on the threshold), 17 keeps 3/8
    points = [
        p(10, 10),
        p(30, 12),
        p(40, 16, "sustain"),
        p(50, 17, "sustain"),
        p(60, 14, "sustain"),
    ]
    found = hold(points)
    assert found.held == Held.regressed
    assert found.breach == p(50, 17, "sustain")
    assert found.points == (p(40, 16, "sustain"), p(50, 17, "sustain"), p(60, 14, "sustain"))
    assert found.kept == pytest.approx((14 - 20) / (12 - 20))  # the latest: 75 %
    assert found.statement == (
        "kept 37.5 % of the gain, below the 50 % to keep: 17 on 2026-02-20 "
        "(baseline 20, 12 at closing)"
    )


def test_the_share_to_keep_is_the_improvements() -> None:
    # keeping 80 % of 20 → 12: the threshold is 20 − 0.8 × 8 = 13.6; 14 keeps 75 %
    points = [p(30, 12), p(40, 14, "sustain")]
    strict = hold(points, keep=0.8)
    assert strict.held == Held.regressed and strict.breach == p(40, 14, "sustain")
    assert strict.threshold == Threshold(pytest.approx(13.6), "80 % of the gain kept")
    assert hold(points, keep=0.75).held == Held.measuring  # exactly 75 % kept: holds
    assert hold(points).held == Held.measuring  # the default: half


def test_an_increase_regresses_below_its_share() -> None:
    # baseline 60, achieved 84: half kept is 72; 71.9 keeps less
    points = [p(20, 80), p(30, 84), p(40, 72, "sustain"), p(45, 71.9, "sustain")]
    found = hold(points, direction="increase", baseline=60.0)
    assert found.held == Held.regressed and found.breach == p(45, 71.9, "sustain")
    above = hold(points[:3], direction="increase", baseline=60.0)
    assert above.held == Held.measuring and above.breach is None
    assert above.kept == pytest.approx(0.5)


def test_the_first_sustain_measurement_counts_though_stamped_at_or_before_the_close() -> None:
    # a sustain capture is stamped at its cadence's checkpoint: the close itself (day 30) or a
    # checkpoint before it (day 29) when the close fell between two; day 91 is past the end
    points = [p(20, 10), p(29, 19, "sustain"), p(30, 14, "sustain"), p(91, 99, "sustain")]
    found = hold(points, now=95)
    assert found.points == (p(29, 19, "sustain"), p(30, 14, "sustain"))
    assert found.held == Held.regressed and found.breach == p(29, 19, "sustain")
    first = hold([p(20, 10), p(30, 14, "sustain")], now=31)
    assert first.points == (p(30, 14, "sustain"),)
    assert first.statement == (
        "holding so far (latest 14, 60 % of the gain kept, at least 50 % to keep); "
        "measured until 2026-04-01"
    )
    last = hold([p(20, 10), p(90, 14, "sustain")], now=95)
    assert last.points == (p(90, 14, "sustain"),) and last.held == Held.held


def test_held_once_the_period_ends_and_measuring_until_then() -> None:
    points = [p(20, 10), p(40, 14, "sustain")]
    assert hold(points, now=89).held == Held.measuring
    assert hold(points, now=90).held == Held.held
    ended = hold(points, now=90)
    # baseline 20, achieved 10, latest 14: (14 − 20) ÷ (10 − 20) = 60 % kept
    assert ended.statement == (
        "held to 2026-04-01: latest 14, 60 % of the gain kept (at least 50 % to keep)"
    )


def test_no_start_means_nothing_after_the_change() -> None:
    found = hold([p(20, 10), p(40, 30, "sustain")], started_at=None)
    assert found.held == Held.unknown and found.threshold is None and found.breach is None
    assert found.points == (p(40, 30, "sustain"),)
    assert found.ends == day(90)
    assert found.kept is None
    assert found.statement == "no threshold: nothing was measured after the change"


def test_no_gain_is_nothing_to_keep() -> None:
    found = hold([p(20, 21), p(40, 30, "sustain")])
    assert found.held == Held.unknown and found.gain is None and found.kept is None
    assert found.statement == "no threshold: no gain to keep (21 at closing, baseline 20)"


def test_the_statement_while_measuring() -> None:
    measuring = hold([p(20, 10), p(40, 14.25, "sustain")])
    # (14.25 − 20) ÷ (10 − 20) = 57.5 %
    assert measuring.statement == (
        "holding so far (latest 14.3, 57.5 % of the gain kept, at least 50 % to keep); "
        "measured until 2026-04-01"
    )
    nothing = hold([p(20, 10)])
    assert nothing.kept is None
    assert nothing.statement == (
        "holding so far (nothing measured yet, at least 50 % to keep); measured until 2026-04-01"
    )
    held = hold([p(20, 10)], now=120)
    assert held.statement == "held to 2026-04-01: nothing measured yet (at least 50 % to keep)"


def test_a_hold_answer_keeps_its_line_and_objectives() -> None:
    one = hold([p(20, 10)])
    answer = HoldAnswer("1 of 1 held", [("mttr", one)])
    assert answer.line == "1 of 1 held" and answer.objectives == [("mttr", one)]


def test_a_measurement_at_the_start_itself_is_after_the_change() -> None:
    # the only measurement after the change is taken at the start (day 10): it sets the gain
    found = hold([p(5, 40), p(10, 12), p(40, 14, "sustain")])
    assert found.gain == Gain(20.0, 12.0)
    assert found.kept == pytest.approx((14 - 20) / (12 - 20))


def test_the_share_to_keep_is_told_whatever_the_answer() -> None:
    kept = hold([p(20, 10), p(40, 11, "sustain")], keep=0.8)  # keeps 90 %
    assert kept.keep == 0.8
    assert kept.statement.endswith("at least 80 % to keep); measured until 2026-04-01")
    unknown = hold([p(20, 21), p(40, 14, "sustain")], keep=0.8)
    assert unknown.held == Held.unknown and unknown.keep == 0.8
