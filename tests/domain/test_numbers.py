"""The one rounding rule (issue 23): three significant digits, at most two decimals, whole from
100 on with thousands separated, half up; n/a for nothing; per cent to one decimal; durations in
hours under two days and in days after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ci_workflow.domain.numbers import (
    cell,
    days,
    directed_change,
    hours,
    money,
    number,
    p_value,
    percent,
    quantity,
    share,
    signed,
    signed_percent,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "n/a"),
        (float("nan"), "n/a"),
        (float("inf"), "n/a"),
        (0, "0"),
        (0.0, "0"),
        (-0.0, "0"),
        (5, "5"),
        (1_000_000, "1,000,000"),
        (9.5, "9.5"),
        (9.32258, "9.32"),
        (93.34, "93.3"),
        (0.07692, "0.08"),
        (-0.09304, "-0.09"),
        (-3.556, "-3.56"),
        (14.25, "14.3"),  # half up, as people round, not to the even 14.2
        (0.125, "0.13"),
        (99.96, "100"),
        (0.999, "1"),
        (1400.0, "1,400"),
        (12345.6, "12,346"),
        (-1_234_567.5, "-1,234,568"),
        (1e12, "1,000,000,000,000"),
        (0.004, "< 0.01"),
        (3.9e-33, "< 0.01"),
        (-0.0004, "> -0.01"),
        (Decimal("2.675"), "2.68"),
        ("measure", "measure"),
    ],
)
def test_a_number_as_people_read_it(value: object, shown: str) -> None:
    assert number(value) == shown


def test_fewer_decimals_when_asked() -> None:
    assert number(7.6923, decimals=1) == "7.7"
    assert number(0.04, decimals=1) == "< 0.1"
    assert number(0.0312, decimals=3) == "0.031"


def test_per_cent_has_one_decimal_at_most_and_a_share_is_shown_as_one() -> None:
    assert percent(7.6923) == "7.7 %"
    assert percent(108.33) == "108 %"
    assert percent(None) == "n/a"
    assert share(0.076923) == "7.7 %"
    assert share(1.5) == "150 %"
    assert signed_percent(25.0) == "+25 %"
    assert signed_percent(-7.69) == "-7.7 %"
    assert signed_percent(0.0) == "0 %"


def test_durations_in_hours_under_two_days_and_days_after() -> None:
    assert days(0.5) == "12 h"
    assert days(1.99) == "47.8 h"
    assert days(2.0) == "2 days"
    assert days(93.34) == "93.3 days"
    assert days(113.0) == "113 days"
    assert days(0.00032) == "0.01 h"
    assert days(None) == "n/a"
    assert hours(9.5) == "9.5 h"
    assert hours(144.0) == "6 days"
    assert hours(None) == "n/a"


def test_changes_units_money_and_spreadsheet_cells() -> None:
    assert signed(2.5) == "+2.5"
    assert signed(-1200.0) == "-1,200"
    assert signed(0.0) == "0"
    assert signed(0.001) == "< 0.01"  # no "+<"
    assert quantity(9.5, "h") == "9.5 h"
    assert quantity(7.6923, "%") == "7.7 %"
    assert quantity(None, "h") == "n/a"
    assert money(12_000.4) == "12,000"
    assert money(None) == "n/a"
    assert cell(1_400.0) == "1400"
    assert cell(9.32258) == "9.32"


def test_a_p_value_as_people_read_it() -> None:
    assert p_value(3.9e-33) == "p < 0.001"
    assert p_value(0.0213) == "p = 0.021"
    assert p_value(0.5734) == "p = 0.573"
    assert p_value(None) == "n/a"


@pytest.mark.parametrize(
    ("better", "direction", "shown"),
    [
        # the demo's rework share 0.33 → 0.077, lower is better
        ((0.33 - 0.077) / 0.33, "decrease", "76.7 % reduction (lower is better)"),
        (-0.5, "decrease", "50 % increase (lower is better: worse)"),
        (0.25, "increase", "25 % increase (higher is better)"),
        (-0.2, "increase", "20 % reduction (higher is better: worse)"),
        (0.0, "increase", "no change (higher is better)"),
        (0.0, "decrease", "no change (lower is better)"),
    ],
)
def test_a_relative_change_reads_in_its_metrics_direction(
    better: float, direction: str, shown: str
) -> None:
    assert directed_change(better, direction) == shown
