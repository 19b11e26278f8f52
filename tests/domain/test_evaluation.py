"""Verdicts, the shift test and the XmR chart, on data whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.measures.evaluation import (
    Point,
    control_limits,
    evaluate,
    execution_start,
    shift,
    verdict,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def series(values: list[float], *, kind: str = "checkpoint", offset: int = 0) -> list[Point]:
    return [Point(START + timedelta(days=7 * (i + offset)), v, kind) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("achieved", "expected"),
    [
        (None, "not measured"),
        (130, "met"),
        (100, "met"),
        (99.9, "partially met"),
        (50, "partially met"),
        (49.9, "not met"),
        (-20, "not met"),
    ],
)
def test_verdicts(achieved: float | None, expected: str) -> None:
    assert verdict(achieved) == expected


def test_an_objective_met_with_a_real_shift() -> None:
    before = [10.1, 9.8, 10.3, 9.9, 10.0, 10.2]
    after = [7.1, 6.8, 6.2, 5.9, 5.7]
    points = (
        series(before) + series(after[:-1], offset=6) + series(after[-1:], kind="final", offset=10)
    )
    result = evaluate(
        metric="mttr_hours",
        description="",
        unit="h",
        baseline=10.0,
        target=6.0,
        direction="decrease",
        kpi_kind="service_performance",
        points=points,
        started_at=START + timedelta(days=7 * 6),
    )
    assert result.final == 5.7 and result.change == pytest.approx(-4.3)
    assert result.achieved_pct == pytest.approx(107.5) and result.verdict == "met"
    assert result.kpi.value == pytest.approx(4.3)
    assert result.shift.tested and result.shift.p_value is not None and result.shift.p_value < 0.001
    assert result.shift.effect_size is not None and result.shift.effect_size < -5
    assert "a real shift at the 5 % level" in result.shift.statement
    assert result.limits.centre == pytest.approx(10.05)
    assert set(result.limits.signals) == {6, 7, 8, 9, 10}  # every point after the change


def test_noise_is_not_called_a_shift() -> None:
    found = shift([5.0, 6.0, 5.5, 6.2], [5.8, 5.1, 6.1, 5.4])
    assert found.tested and found.p_value is not None and found.p_value > 0.5
    assert "not distinguishable from noise" in found.statement


def test_too_little_data_says_how_much_more_is_needed_and_from_where() -> None:
    assert shift([1.0, 2.0], [3.0, 4.0, 5.0]).statement == (
        "too little data to test for a shift: 2 measurements before execution started and 3 after; "
        "1 more before the start is needed (from history, by a backfill)"
    )
    limits = control_limits([4.0], [4.0, 3.0])
    assert limits.centre is None and limits.statement == (
        "too little data for control limits: 1 measurement before execution started; "
        "1 more before the start is needed (from history, by a backfill)"
    )


def test_checkpoints_still_to_come_are_counted_and_dated_by_the_schedule() -> None:
    weekly = [datetime(2026, 11, 30, 6, tzinfo=UTC) + timedelta(weeks=n) for n in range(3)]
    eight_before, one_after = [9.0 + n % 2 for n in range(8)], [6.0]
    assert shift(eight_before, one_after, weekly).statement == (
        "too little data to test for a shift: 8 measurements before execution started and 1 after; "
        "2 more checkpoints after the start are needed (by about 2026-12-07 on its schedule)"
    )
    assert shift(eight_before, [6.0, 5.0], weekly[:1]).statement.endswith(
        "1 more checkpoint after the start is needed (by about 2026-11-30 on its schedule)"
    )
    # Closed, or not on a schedule: no date is promised.
    assert shift([1.0], [], ()).statement == (
        "too little data to test for a shift: 1 measurement before execution started and 0 after; "
        "2 more before the start and 3 more checkpoints after it are needed (those before from "
        "history, by a backfill)"
    )
    assert shift([], [1.0, 2.0], weekly).statement.endswith(
        "3 more before the start and 1 more checkpoint after it are needed (those before from "
        "history, by a backfill; the checkpoint by about 2026-11-30 on its schedule)"
    )


@pytest.mark.parametrize(
    ("declared", "first_executing", "recorded", "expected"),
    [
        (START, START + timedelta(days=9), START + timedelta(days=9), START),
        (None, START + timedelta(days=9), START + timedelta(days=10), START + timedelta(days=9)),
        (None, None, START + timedelta(days=10), START + timedelta(days=10)),
        (None, None, None, None),
    ],
)
def test_execution_starts_when_the_file_says_else_when_the_trail_says(
    declared: datetime | None,
    first_executing: datetime | None,
    recorded: datetime | None,
    expected: datetime | None,
) -> None:
    found = execution_start(declared=declared, first_executing=first_executing, recorded=recorded)
    assert found == expected


def test_a_run_of_eight_on_one_side_is_a_signal_even_inside_the_limits() -> None:
    baseline = [10.0, 12.0, 9.0, 13.0, 8.0, 12.0]
    values = baseline + [10.6] * 8
    limits = control_limits(baseline, values)
    assert limits.upper is not None and all(v < limits.upper for v in values)
    assert limits.signals == tuple(range(6, 14)) and "runs of 8+" in limits.statement
