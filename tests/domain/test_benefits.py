"""Benefits' rules, pure: quarters, a measured line's arithmetic, currency conversion, the even
split between objectives, the file's checks, and who may validate. Expected values are worked
out here by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.authority.people import Grant, PersonView, parse_grant
from ci_workflow.domain.authority.permissions import Action, Parties, allowed
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.strategy import benefit_figures as rules
from ci_workflow.domain.strategy.benefits import (
    line_document,
    line_rows,
    parse_quarter,
    quarter,
    quarter_bounds,
    quarter_of,
)
from ci_workflow.domain.strategy.serves import StrategyKeys
from ci_workflow.domain.strategy.spec import StrategySpec
from ci_workflow.domain.vocabulary import Role
from tests.helpers import improvement_doc


def test_quarters_read_written_and_bounded() -> None:
    assert parse_quarter("2027Q1") == (2027, 1) and quarter("2027q4") == "2027Q4"
    assert quarter_of(date(2027, 3, 31)) == "2027Q1" and quarter_of(date(2027, 4, 1)) == "2027Q2"
    assert quarter_bounds("2027Q4") == (
        datetime(2027, 10, 1, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
    )
    assert quarter_bounds("2027Q2")[1] == datetime(2027, 7, 1, tzinfo=UTC)
    for bad in ("2027Q5", "2027Q0", "27Q1", "2027-Q1", "Q1 2027", ""):
        with pytest.raises(ValueError, match="is not a quarter"):
            parse_quarter(bad)


def test_a_measured_quarter_takes_its_last_value_against_the_baseline_times_the_rate() -> None:
    points = [
        (datetime(2026, 10, 5, tzinfo=UTC), 8.0),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), 7.0),  # the quarter's last
        (datetime(2026, 11, 2, tzinfo=UTC), 9.0),
        (datetime(2027, 1, 1, tzinfo=UTC), 6.0),  # the next quarter's first
    ]
    assert rules.value_in("2026Q4", points) == 7.0
    assert rules.value_in("2027Q1", points) == 6.0
    assert rules.value_in("2026Q3", points) is None
    assert rules.measured_quarters(points) == ["2026Q4", "2027Q1"]
    # MTTR should decrease: baseline 9.5 h, 7 h measured, 80 per hour → 2.5 × 80 = 200.
    assert rules.measured_amount(9.5, 7.0, "decrease", 80) == 200
    # Self-service share should increase: 20 → 35 %, 150 per point → 2,250.
    assert rules.measured_amount(20, 35, "increase", 150) == 2250
    # No better than the baseline: nothing, never a negative benefit.
    assert rules.measured_amount(9.5, 10.5, "decrease", 80) == 0
    assert rules.measured_amount(20, 20, "increase", 150) == 0


def test_conversion_and_the_even_split() -> None:
    assert rules.convert(1000, "USD", "EUR", {"USD": 0.92}) == pytest.approx(920)
    assert rules.convert(1000, "EUR", "EUR", {}) == 1000
    with pytest.raises(KeyError):
        rules.convert(1000, "GBP", "EUR", {"USD": 0.92})
    assert rules.split(900, ["a", "b", "c"]) == {"a": 300, "b": 300, "c": 300}
    assert rules.split(900, []) == {}


def test_cells_and_totals_count_only_validated_actuals_as_realised() -> None:
    cells = rules.cells(
        "overtime",
        {"2027Q1": 4000, "2027Q2": 4000},
        {
            "2027Q1": (3500, "validated", "recorded"),
            "2027Q3": (100, "recorded", "recorded"),
            "2027Q2": (50, "rejected", "recorded"),
        },
    )
    assert [(c.quarter, c.forecast, c.actual, c.state) for c in cells] == [
        ("2027Q1", 4000, 3500, "validated"),
        ("2027Q2", 4000, 50, "rejected"),
        ("2027Q3", None, 100, "recorded"),
    ]
    found = rules.totals((c, 0.5) for c in cells)  # e.g. a rate of 0.5 into the organisation's
    assert (found.forecast, found.validated, found.waiting) == (4000, 1750, 50)
    assert found.by_quarter == {"2027Q1": [2000, 1750], "2027Q2": [2000, 0], "2027Q3": [0, 0]}


def _spec(benefits: list[dict[str, Any]], **context: Any) -> ImprovementSpec:
    return ImprovementSpec.model_validate(improvement_doc(benefits=benefits), context=context)


def _problems(benefits: list[dict[str, Any]], **context: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _spec(benefits, **context)
    return describe_errors(caught.value)


MONEY = StrategyKeys(frozenset(), frozenset(), "EUR", (("USD", 0.92),))


def test_the_file_s_lines_are_checked_field_by_field() -> None:
    line = {"key": "overtime", "kind": "hard_saving", "forecast": {"2027q1": 4000}}
    spec = _spec([line], strategy=MONEY)
    assert spec.benefits[0].forecast == {"2027Q1": 4000}
    cases = [
        ({**line, "currency": "EUX"}, "benefits[0].currency: unknown currency 'EUX'"),
        ({**line, "currency": "GBP"}, "benefits[0].currency: no rate for GBP in strategy.yaml"),
        ({**line, "forecast": {"2027Q1": -1}}, "benefits[0].forecast.2027Q1"),
        ({**line, "forecast": {"2027Q9": 1}}, "'2027Q9' is not a quarter"),
        ({**line, "kind": "luck"}, "benefits[0].kind"),
        (
            {**line, "recurring": False, "forecast": {"2027Q1": 1, "2027Q2": 1}},
            "a one-off benefit (recurring: false) is forecast in one quarter",
        ),
        (
            {**line, "measured_from": {"objective": "nothing", "rate": 80}},
            "measured_from names 'nothing', which is not one of this improvement's objectives",
        ),
    ]
    for written, problem in cases:
        found = " ".join(_problems([written], strategy=MONEY))
        assert problem in found, (problem, found)
    assert "benefit line 'overtime' appears twice" in " ".join(_problems([line, line]))
    usd = _spec([{**line, "currency": "USD"}], strategy=MONEY)
    assert usd.benefits[0].currency == "USD"


def test_a_line_round_trips_as_its_file_writes_it() -> None:
    written = {
        "key": "hours",
        "kind": "time_saved",
        "recurring": False,
        "currency": "USD",
        "description": "Engineers' hours",
        "forecast": {"2027Q1": 300.5},
        "measured_from": {"objective": "mttr_hours", "rate": 80},
    }
    spec = _spec([written], strategy=MONEY)
    assert line_document(line_rows(spec.benefits)[0]) == written


def test_strategy_currency_and_rates_are_checked() -> None:
    base: dict[str, Any] = {"goals": [], "programmes": []}
    assert StrategySpec.model_validate(base).currency == "EUR"
    assert StrategySpec.model_validate({**base, "currency": "USD"}).currency == "USD"
    for bad in ({"currency": "EURO"}, {"rates": {"USX": 1.1}}, {"rates": {"USD": 0}}):
        with pytest.raises(ValidationError):
            StrategySpec.model_validate({**base, **bad})


def _person(pid: int, *grants: str) -> PersonView:
    return PersonView(
        id=pid,
        name=f"p{pid}",
        email=f"p{pid}@x.org",
        grants=frozenset(parse_grant(g) for g in grants),
    )


def test_who_records_and_who_validates() -> None:
    parties = Parties(
        "Incident Management", owner_id=1, process_owner_id=2, team_ids=frozenset({3})
    )
    for person, may in (
        (_person(1), True),
        (_person(3), True),
        (_person(9, "ci_manager"), True),
        (_person(2, "process_owner:Incident Management"), False),
        (_person(5, "finance"), False),
    ):
        assert allowed(Action.record_benefit, person, parties) is may
    finance_all, finance_net = _person(5, "finance"), _person(6, "finance:network")
    manager, owner = _person(9, "ci_manager"), _person(1)
    assert finance_net.grants == frozenset({Grant(Role.finance, "network")})

    def validates(person: PersonView, programme: str | None, recorder: int | None = 1) -> bool:
        return allowed(Action.validate_benefit, person, subject_id=recorder, programme=programme)

    assert validates(finance_all, "network") and validates(finance_all, None)
    assert validates(finance_net, "network") and validates(finance_net, "NETWORK")
    assert not validates(finance_net, "desk") and not validates(finance_net, None)
    assert validates(manager, None) and not validates(owner, "network")
    assert not validates(finance_all, "network", recorder=5)  # their own
    assert not validates(manager, None, recorder=9)
    assert rules.validation_problem(5, 5, "recorded") == (
        "nobody validates an actual they recorded themselves"
    )
    assert rules.validation_problem(1, 5, "validated") == "it is already validated"
    assert rules.validation_problem(1, 5, "recorded") == ""
