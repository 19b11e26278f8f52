"""Edges of the one rounding rule: four-digit values stay whole, very large values are shown in
full, a bare quantity has no unit, and the "+" of a change, the share of nothing and the p-value
at exactly a thousandth."""

from __future__ import annotations

import pytest

from ci_workflow.domain.numbers import number, p_value, quantity, share, signed, signed_percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234.5, "1,235"),  # whole from 100 on, not rounded to tens
        (1000.4, "1,000"),
        (9999.4, "9,999"),
        (-4321.0, "-4,321"),
    ],
)
def test_thousands_are_whole_to_the_unit(value: float, shown: str) -> None:
    assert number(value) == shown


def test_a_very_large_value_is_shown_with_every_digit() -> None:
    # 10 ** 30: a one and thirty zeros, ten groups of three after the one.
    assert number(1e30) == "1" + ",000" * 10
    assert number(-2e40) == "-20" + ",000" * 13


def test_a_quantity_without_a_unit_is_the_number_alone() -> None:
    assert quantity(9.5) == "9.5"
    assert quantity(1400.0) == "1,400"
    assert quantity(None) == "n/a"


def test_the_share_of_nothing_is_nothing() -> None:
    assert share(None) == "n/a"


@pytest.mark.parametrize(("value", "shown"), [(0.5, "+0.5"), (1.0, "+1"), (0.25, "+0.25")])
def test_a_change_under_one_keeps_its_plus(value: float, shown: str) -> None:
    assert signed(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.5, "+0.5 %"), (1.0, "+1 %"), (5.0, "+5 %"), (9.94, "+9.9 %"), (0.01, "< 0.1 %")],
)
def test_a_change_in_per_cent_keeps_its_plus(value: float, shown: str) -> None:
    assert signed_percent(value) == shown


def test_a_p_value_of_exactly_a_thousandth_is_shown() -> None:
    assert p_value(0.001) == "p = 0.001"
    assert p_value(0.000999) == "p < 0.001"
