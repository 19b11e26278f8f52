"""Benefit lines at their edges: the quarters accepted, the currency a line is counted in, the
lines as the form's field and the audit trail show them, a line written back as its file, and
the figures per quarter and in total. Expected values are worked out here by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ci_workflow.domain.authority.people import PersonView, parse_grant
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.strategy import benefit_figures as figures
from ci_workflow.domain.strategy.benefits import (
    benefits_of,
    benefits_text,
    line_currency,
    line_document,
    line_rows,
    lines_shown,
    parse_quarter,
)
from tests.helpers import improvement_doc

OVERTIME = {"key": "overtime", "kind": "hard_saving", "forecast": {"2027Q1": 4000}}
HOURS = {
    "key": "hours",
    "kind": "time_saved",
    "recurring": False,
    "currency": "USD",
    "description": "Heures économisées",
    "forecast": {"2027Q2": 300.5},
    "measured_from": {"objective": "mttr_hours", "rate": 80},
}


def _lines(*written: dict[str, Any], **context: Any) -> Any:
    doc = improvement_doc(benefits=list(written))
    return ImprovementSpec.model_validate(doc, context=context).benefits


def test_quarters_from_1970_to_2200_and_nothing_but_text() -> None:
    """Rule: a quarter is a year from 1970 to 2200 and its number; anything else is refused
    with the same message, never a crash."""
    assert parse_quarter("1970Q1") == (1970, 1)
    assert parse_quarter("2200Q4") == (2200, 4)
    for bad in ("1969Q4", "2201Q1"):
        with pytest.raises(ValueError, match="is not a quarter"):
            parse_quarter(bad)
    with pytest.raises(ValueError, match="20271 is not a quarter"):
        parse_quarter(20271)  # type: ignore[arg-type]


def test_a_line_without_a_currency_counts_in_the_organisation_s() -> None:
    """Rule: a line's currency is its own when it names one, else the organisation's."""
    overtime, hours = _lines(OVERTIME, HOURS)
    assert line_currency(overtime, "CHF") == "CHF"
    assert line_currency(hours, "CHF") == "USD"


def test_a_currency_is_taken_as_written_when_no_strategy_is_known() -> None:
    """Rule: without the strategy (none given, or none in force) a known ISO code is accepted:
    there are no rates to check it against."""
    for context in ({"strategy": None}, {"strategy": object()}):
        assert _lines(HOURS, **context)[0].currency == "USD"


def test_benefits_are_checked_after_objectives_that_fail() -> None:
    """Rule: an improvement whose objectives are wrong is told about them, not a crash in the
    benefits' check of the measured metric."""
    doc = improvement_doc(objectives="none", benefits=[HOURS])
    with pytest.raises(ValidationError) as caught:
        ImprovementSpec.model_validate(doc)
    assert [e["loc"][0] for e in caught.value.errors()] == ["objectives"]


def test_the_form_shows_the_lines_as_the_file_writes_them_and_reads_them_back() -> None:
    """Rule: the form's benefits field is the file's list in YAML, defaults left out, keys in
    the file's order, accents as typed; it reads back to the same list."""
    written = [OVERTIME, HOURS]
    text = benefits_text(written)
    assert text == (
        "- key: overtime\n  kind: hard_saving\n  forecast:\n    2027Q1: 4000\n"
        "- key: hours\n  kind: time_saved\n  recurring: false\n  currency: USD\n"
        "  description: Heures économisées\n  forecast:\n    2027Q2: 300.5\n"
        "  measured_from:\n    objective: mttr_hours\n    rate: 80\n"
    )
    assert benefits_of(text) == written
    for nothing in (None, [], "overtime", {"key": "overtime"}):
        assert benefits_text(nothing) == ""


def test_the_form_folds_a_long_description_past_100_columns() -> None:
    """Rule: the field's lines fold at the first blank past column 100 (PyYAML's width)."""
    said = " ".join(["xx"] * 30)  # 89 characters after "  description: "
    text = benefits_text([{"key": "a", "description": said}])
    first = "  description: " + " ".join(["xx"] * 29)  # 101 columns: past 100, so it folds
    assert text == f"- key: a\n{first}\n    xx\n"
    assert benefits_of(text) == [{"key": "a", "description": said}]


def test_the_form_s_field_that_is_not_yaml_says_why_in_one_line() -> None:
    """Rule: a benefits field that is not YAML is refused with YAML's first line of why."""
    assert benefits_of("- key: a") == [{"key": "a"}]
    with pytest.raises(ValueError, match=r"^not YAML: while parsing a flow sequence$"):
        benefits_of("[a")


def test_the_audit_trail_names_each_line_its_kind_and_forecast_total() -> None:
    """Rule: the trail shows key (kind, forecast total) per line, or "none"."""
    two = {**OVERTIME, "forecast": {"2027Q1": 4000, "2027Q2": 4000}}
    rows = line_rows(_lines(two, HOURS, strategy=None))
    assert lines_shown(rows) == "overtime (hard_saving, 8000), hours (time_saved, 300.5)"
    assert lines_shown([]) == "none"


def test_a_plain_line_is_written_back_with_its_defaults_left_out() -> None:
    """Rule: the register writes a line as its file would: no recurring (true), currency,
    description or measured_from when the line has none, and whole amounts without ".0"."""
    row = line_rows(_lines({**OVERTIME, "forecast": {"2027Q1": 4000.0}}))[0]
    assert row[6:] == (None, None)
    document = line_document(row)
    assert document == {"key": "overtime", "kind": "hard_saving", "forecast": {"2027Q1": 4000}}
    assert yaml.safe_dump(document["forecast"]) == "2027Q1: 4000\n"
    # A row the register holds with a metric but no rate is not a measured line.
    half = (*row[:6], "mttr_hours", None)
    assert "measured_from" not in line_document(half)


def test_two_measurements_at_the_same_moment_the_first_given_counts() -> None:
    """Rule: the quarter's value is the one measured last; at the same moment, the first of
    them as given, whatever their sizes."""
    at = datetime(2027, 2, 1, tzinfo=UTC)
    assert figures.value_in("2027Q1", [(at, 5.0), (at, 7.0)]) == 5.0
    assert figures.value_in("2027Q1", [(at, 7.0), (at, 5.0)]) == 7.0


def test_every_quarter_forecast_or_measured_is_a_cell_of_its_line() -> None:
    """Rule: a line's cells are every quarter it forecasts or has an actual for, each naming
    the line, its forecast and its actual's amount, state and source."""
    found = figures.cells(
        "overtime", {"2027Q1": 4000, "2027Q2": 3000}, {"2027Q1": (3500, "validated", "measured")}
    )
    assert found == [
        figures.Cell("overtime", "2027Q1", 4000, 3500, "validated", "measured"),
        figures.Cell("overtime", "2027Q2", 3000, None, None, None),
    ]


def test_totals_add_up_every_line_in_each_quarter() -> None:
    """Rule: totals and each quarter's figures are sums over every line: forecast, validated
    actual, and actual waiting for validation."""
    cells = [
        (figures.Cell("a", "2027Q1", 100, 80, "validated"), 1.0),
        (figures.Cell("b", "2027Q1", 200, 150, "validated"), 0.5),
        (figures.Cell("a", "2027Q2", None, 30, "recorded"), 1.0),
        (figures.Cell("b", "2027Q2", None, 40, "recorded"), 0.5),
    ]
    found = figures.totals(cells)
    assert (found.forecast, found.validated, found.waiting) == (200, 155, 50)
    assert found.by_quarter == {"2027Q1": [200, 155], "2027Q2": [0, 0]}


def test_finance_of_a_programme_validates_nothing_outside_any_programme() -> None:
    """Rule: finance scoped to a programme validates only its benefits: an improvement in no
    programme is not theirs, whatever their programme is called."""
    for programme in ("network", "xxxx"):
        finance = PersonView(5, "f", "f@x.org", frozenset({parse_grant(f"finance:{programme}")}))
        assert not allowed(Action.validate_benefit, finance, subject_id=1, programme=None)
        assert allowed(Action.validate_benefit, finance, subject_id=1, programme=programme)
