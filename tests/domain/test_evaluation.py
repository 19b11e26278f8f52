"""Verdicts, the shift test and the XmR chart, on data whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.evaluation import Point, control_limits, evaluate, shift, verdict

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
    result = evaluate(metric="mttr_hours", description="", unit="h", baseline=10.0, target=6.0,
                      direction="decrease", kpi_kind="service_performance", points=points,
                      started_at=START + timedelta(days=7 * 6))  # fmt: skip
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


def test_too_little_data_is_said_in_words() -> None:
    assert shift([1.0, 2.0], [3.0, 4.0, 5.0]).statement == (
        "too little data to test for a shift: 2 measurements before execution started and 3 after "
        "(3 a side are needed)"
    )
    limits = control_limits([4.0], [4.0, 3.0])
    assert limits.centre is None and limits.statement.startswith(
        "too little data for control limits: 1"
    )


def test_a_run_of_eight_on_one_side_is_a_signal_even_inside_the_limits() -> None:
    baseline = [10.0, 12.0, 9.0, 13.0, 8.0, 12.0]
    values = baseline + [10.6] * 8
    limits = control_limits(baseline, values)
    assert limits.upper is not None and all(v < limits.upper for v in values)
    assert limits.signals == tuple(range(6, 14)) and "runs of 8+" in limits.statement
