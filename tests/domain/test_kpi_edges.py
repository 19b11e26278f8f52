"""The KPI formulas at their edges: on time on the due date itself, a zero or a missing input,
one side of a ratio missing. Each gives a number worked out here, or n/a with its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ci_workflow.domain.measures.kpis import (
    Figure,
    ImprovementFacts,
    efficiency_increase,
    efficiency_ratio,
    increase,
    objective_kpi,
    practice_kpis,
)

PERIOD = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def closed_on(completed: str, due: str | None, *, status: str = "closed") -> ImprovementFacts:
    return ImprovementFacts(
        status=status,
        identified_at=datetime(2026, 1, 1, tzinfo=UTC),
        completed_at=datetime.fromisoformat(completed).replace(tzinfo=UTC),
        realised_gain=None,
        actual_cost=None,
        objectives_met=(True,),
        latest_due=date.fromisoformat(due) if due else None,
    )


def test_on_time_is_closed_by_the_due_date_itself_two_of_three() -> None:
    register = [
        closed_on("2026-03-01T09:00", "2026-03-31"),  # early
        closed_on("2026-03-31T23:59", "2026-03-31"),  # on the due date: on time
        closed_on("2026-04-01T00:01", "2026-03-31"),  # a day late
        closed_on("2026-05-01T00:00", None),  # no due date: not counted either way
        closed_on("2025-06-01T00:00", "2025-12-31"),  # closed before the period
        closed_on("2026-02-01T00:00", "2026-03-31", status="withdrawn"),
    ]
    kpis = practice_kpis(register, *PERIOD)
    assert kpis.closed == 4
    assert kpis.on_time_rate == Figure(2 / 3)


def test_the_period_is_open_at_its_start_and_closed_at_its_end() -> None:
    start, end = PERIOD
    at_start = ImprovementFacts("closed", start, start, None, None, (True,), None)
    at_end = ImprovementFacts("closed", start, end, None, None, (True,), None)
    assert practice_kpis([at_start, at_end], start, end).closed == 1
    assert practice_kpis([at_end], start, end).average_days_to_implement == Figure(365.0)


def test_on_time_without_any_due_date_is_na() -> None:
    kpis = practice_kpis([closed_on("2026-03-01T09:00", None)], *PERIOD)
    assert kpis.on_time_rate == Figure(None, "no closed improvement with due dates")
    assert str(kpis.on_time_rate) == "n/a (no closed improvement with due dates)"


def test_roi_totals_skip_improvements_without_both_gain_and_cost() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    done = datetime(2026, 2, 1, tzinfo=UTC)
    register = [
        ImprovementFacts("closed", start, done, 300.0, 100.0, (True,), None),  # ROI 2
        ImprovementFacts("closed", start, done, 50.0, 100.0, (False,), None),  # ROI -0.5
        ImprovementFacts("closed", start, done, 999.0, None, (True,), None),  # no cost
        ImprovementFacts("closed", start, done, None, 999.0, (), None),  # no gain, no objective
    ]
    kpis = practice_kpis(register, *PERIOD)
    assert kpis.total_roi == Figure((350 - 200) / 200)
    assert kpis.average_roi == Figure((2 - 0.5) / 2)
    assert kpis.successful == 2 and kpis.success_rate == Figure(2 / 4)


@pytest.mark.parametrize(
    ("output_before", "input_before", "output_after", "input_after", "expected"),
    [
        (100, 0, 120, 48, Figure(None, "an input value is 0")),
        (100, 50, 120, 0, Figure(None, "an input value is 0")),
        (100, 0, 120, 0, Figure(None, "an input value is 0")),
        (0, 50, 120, 48, Figure(None, "the before value is 0")),
        (100, None, 120, 48, Figure(None, "the input has no before value")),
        (100, 50, 120, None, Figure(None, "the input has no after value")),
        (None, 50, 120, 48, Figure(None, "no before value")),
        (100, 50, None, 48, Figure(None, "no after value")),
        (None, None, None, None, Figure(None, "no before or after value")),
        # (150 / 60) ÷ (100 / 50) − 1 = 2.5 ÷ 2 − 1
        (100, 50, 150, 60, Figure(0.25)),
        (100, 50, 0, 60, Figure(-1.0)),
        # 2 ÷ 2.5 − 1: less output per hour, worse
        (100, 40, 100, 50, Figure(-0.2)),
    ],
)
def test_efficiency_ratio_with_zero_and_missing_inputs_is_na(
    output_before: float | None,
    input_before: float | None,
    output_after: float | None,
    input_after: float | None,
    expected: Figure,
) -> None:
    assert efficiency_ratio(output_before, input_before, output_after, input_after) == expected


@pytest.mark.parametrize(
    ("before", "after", "direction", "expected"),
    [
        (None, 5.0, "increase", Figure(None, "no before value")),
        (4.0, None, "increase", Figure(None, "no after value")),
        (None, 5.0, "decrease", Figure(None, "no before value")),
        (4.0, None, "decrease", Figure(None, "no after value")),
        (4.0, 5.0, "increase", Figure(0.25)),
        (5.0, 4.0, "decrease", Figure(0.2)),  # lower is better: a fifth less
        (4.0, 5.0, "decrease", Figure(-0.25)),  # lower is better and it rose: worse
        (5.0, 4.0, "increase", Figure(-0.2)),
        (0.0, 5.0, "increase", Figure(None, "the before value is 0")),
        (0.0, 5.0, "decrease", Figure(None, "the before value is 0")),
        (5.0, 0.0, "increase", Figure(-1.0)),
        (5.0, 0.0, "decrease", Figure(1.0)),
        (5.0, 5.0, "decrease", Figure(0.0)),
    ],
)
def test_efficiency_increase_with_one_side_missing_is_na(
    before: float | None, after: float | None, direction: str, expected: Figure
) -> None:
    assert efficiency_increase(before, after, direction) == expected
    assert objective_kpi("process_efficiency", before, after, direction) == (
        "process efficiency increase",
        expected,
    )


def test_an_unknown_kpi_kind_counts_as_an_improvement_in_its_direction() -> None:
    assert objective_kpi("made_up", 10.0, 7.0, "decrease") == ("improvement", Figure(3.0))
    assert objective_kpi("other", 10.0, 7.0, "increase") == ("improvement", Figure(-3.0))


@pytest.mark.parametrize(
    ("figure", "said"),
    [
        (Figure(1.25), "1.25"),
        (Figure(0.0), "0"),
        (Figure(None), "n/a"),
        (Figure(None, "an input value is 0"), "n/a (an input value is 0)"),
    ],
)
def test_a_figure_reads_as_its_number_or_na_with_the_reason(figure: Figure, said: str) -> None:
    assert str(figure) == said


def test_each_missing_side_is_named() -> None:
    assert increase(3.0, None) == Figure(None, "no after value")
    assert increase(None, 3.0) == Figure(None, "no before value")


def test_nothing_closed_gives_each_practice_kpi_its_reason() -> None:
    kpis = practice_kpis([closed_on("2025-03-01T09:00", "2025-03-31")], *PERIOD)
    none_closed = "no improvement closed in the period"
    assert kpis.success_rate == Figure(None, none_closed)
    assert kpis.average_days_to_implement == Figure(None, none_closed)
    assert kpis.total_roi == Figure(None, "no closed improvement has both gain and cost")
    assert kpis.average_roi == Figure(None, "no closed improvement has an ROI")
    assert kpis.on_time_rate == Figure(None, "no closed improvement with due dates")
