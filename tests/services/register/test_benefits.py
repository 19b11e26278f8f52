"""``improve benefits record/validate/show`` and the portfolio's benefits: recorded by the
owner or team, validated by finance of the programme or a CI manager (never by who recorded),
measured from an objective, converted and split per objective; bad input leaves nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from ci_workflow.store.tables import AuditEvent, BenefitActual, MetricSnapshot, Objective
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.register.test_strategy import example, write

USD = 0.9  # the rate the test's strategy gives: one US dollar is 0.9 EUR


def benefit_lines() -> list[dict[str, Any]]:
    return [
        {
            "key": "overtime",
            "kind": "hard_saving",
            "forecast": {"2026Q3": 4000, "2026Q4": 4000},
        },
        {
            "key": "licence",
            "kind": "cost_avoidance",
            "recurring": False,
            "currency": "USD",
            "forecast": {"2026Q4": 1000},
        },
        {
            "key": "restore-time",
            "kind": "time_saved",
            "measured_from": {"objective": "mttr_hours", "rate": 80},
            "forecast": {"2026Q4": 300},
        },
    ]


@pytest.fixture
def planned(people: None, cli: Cli, tmp_path: Path) -> Path:
    """The strategy (EUR, a rate for USD), finance people, and one improvement with three
    benefit lines serving two objectives in the network-resilience programme."""
    cli.ok(
        "people", "add", "Tomás Silva", "--email", "tomas@example.org", "--role", "improvement_team"
    )
    cli.ok(
        "people",
        "add",
        "Fatima Noor",
        "--email",
        "fatima@example.org",
        "--role",
        "finance:network-resilience",
    )
    cli.ok(
        "people",
        "add",
        "Felix Wu",
        "--email",
        "felix@example.org",
        "--role",
        "finance:service-desk-2027",
    )
    doc = example() | {"currency": "EUR", "rates": {"USD": USD}}
    cli.ok("strategy", "apply", write(tmp_path, doc), "--as", "Carmen Ruiz")
    imp = improvement_doc(
        serves=["restore-faster", "fewer-repeat-incidents"],
        programme="network-resilience",
        benefits=benefit_lines(),
    )
    path = write_yaml(tmp_path, imp)
    cli.ok("apply", str(path))
    return path


def fails(cli: Cli, *args: str) -> list[str]:
    """A command that must fail (exit non-zero, no traceback): its error lines."""
    result = cli.run(*args)
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    return result.stderr.strip().splitlines()


def actual_rows() -> list[BenefitActual]:
    with transaction(write=False) as session:
        return list(session.exec(select(BenefitActual).order_by(col(BenefitActual.id))))


def events(action: str) -> list[AuditEvent]:
    with transaction(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))))


def test_recorded_then_validated_by_finance_of_its_programme(planned: Path, cli: Cli) -> None:
    said = cli.ok(
        "benefits",
        "record",
        "IMP-0001",
        "overtime",
        "2026q3",
        "3500",
        "--as",
        "Lena Fischer",
        "--note",
        "payroll report",
    ).stdout
    assert said.strip() == "IMP-0001 overtime 2026Q3: 3,500 EUR recorded, waiting for validation"
    done = cli.ok("benefits", "validate", "IMP-0001", "overtime", "2026Q3", "--as", "Fatima Noor")
    assert done.stdout.strip() == "IMP-0001 overtime 2026Q3: 3,500 EUR validated"
    [row] = actual_rows()
    assert (row.amount, row.state, row.recorded_by, row.decided_by) == (
        3500,
        "validated",
        "Lena Fischer",
        "Fatima Noor",
    )
    assert [e.actor for e in events("benefit_recorded")] == ["Lena Fischer"]
    [validated] = events("benefit_validated")
    assert validated.actor == "Fatima Noor" and validated.improvement_id == 1
    shown = cli.json("benefits", "show", "IMP-0001")
    overtime = shown["lines"][0]
    assert [(c["quarter"], c["forecast"], c["actual"], c["state"]) for c in overtime["cells"]] == [
        ("2026Q3", 4000, 3500, "validated"),
        ("2026Q4", 4000, None, None),
    ]


def test_validation_refused_without_the_role_or_out_of_scope_or_for_oneself(
    planned: Path, cli: Cli
) -> None:
    cli.ok("benefits", "record", "IMP-0001", "licence", "2026Q4", "1200", "--as", "Carmen Ruiz")
    for who in ("Omar Haddad", "Lena Fischer", "Felix Wu"):
        errors = fails(cli, "benefits", "validate", "IMP-0001", "licence", "2026Q4", "--as", who)
        assert errors == [
            "error: only finance of programme network-resilience, finance (unscoped) or a CI "
            "manager validates benefits"
        ]
    mine = fails(
        cli, "benefits", "validate", "IMP-0001", "licence", "2026Q4", "--as", "Carmen Ruiz"
    )
    assert mine == ["error: nobody validates an actual they recorded themselves"]
    assert [r.state for r in actual_rows()] == ["recorded"]
    forbidden = [e.actor for e in events("forbidden")]
    assert forbidden == ["Omar Haddad", "Lena Fischer", "Felix Wu", "Carmen Ruiz"]
    rejected = cli.ok(
        "benefits",
        "validate",
        "IMP-0001",
        "licence",
        "2026Q4",
        "--as",
        "Fatima Noor",
        "--reject",
        "invoice not found",
    ).stdout
    assert rejected.strip() == "IMP-0001 licence 2026Q4: 1,200 USD rejected"
    assert actual_rows()[0].reason == "invoice not found"
    again = fails(
        cli, "benefits", "validate", "IMP-0001", "licence", "2026Q4", "--as", "Fatima Noor"
    )
    assert again == ["error: IMP-0001 licence 2026Q4 cannot be decided: it is already rejected"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("overtime", "2026Q3", "-5"),
            "error: AMOUNT: -5 is below zero; a benefit's actual is 0 or more",
        ),
        (
            ("parking", "2026Q3", "5"),
            "error: IMP-0001 has no benefit line 'parking' (see: improve benefits show IMP-0001)",
        ),
        (
            ("overtime", "2026Q5", "5"),
            "error: QUARTER: '2026Q5' is not a quarter: write the year and quarter, e.g. 2027Q1",
        ),
        (
            ("restore-time", "2026Q4", "5"),
            "error: IMP-0001 line restore-time is measured from objective mttr_hours: its actuals are measured, not recorded",
        ),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_is_written(
    planned: Path, cli: Cli, args: tuple[str, ...], error: str
) -> None:
    said = fails(cli, "benefits", "record", "--as", "Lena Fischer", "--", "IMP-0001", *args)
    assert said == [error]
    assert actual_rows() == [] and events("benefit_recorded") == []


def test_a_benefit_in_an_unknown_currency_or_one_without_a_rate_is_refused(
    planned: Path, cli: Cli, tmp_path: Path
) -> None:
    for code, problem in (
        ("EUX", "unknown currency 'EUX': give an ISO 4217 code such as EUR or USD"),
        (
            "GBP",
            "no rate for GBP in strategy.yaml (rates: {GBP: …}); the organisation's "
            "currency is EUR",
        ),
    ):
        lines = benefit_lines()
        lines[0]["currency"] = code
        path = write_yaml(tmp_path, improvement_doc(key="other", benefits=lines))
        errors = fails(cli, "apply", str(path))
        assert f"{path}: benefits[0].currency: {problem}" in " ".join(errors)
    assert [i["key"] for i in cli.json("list")] == ["network-mttr"]


def _measure(value: float, at: datetime) -> None:
    with transaction() as session:
        objective = session.exec(select(Objective).where(Objective.metric == "mttr_hours")).one()
        session.add(
            MetricSnapshot(
                objective_id=objective.id or 0, kind="checkpoint", checkpoint_at=at, value=value
            )
        )


def test_portfolio_forecast_against_validated_actual_split_per_objective(
    planned: Path, cli: Cli
) -> None:
    cli.ok("benefits", "record", "IMP-0001", "overtime", "2026Q3", "3500", "--as", "Lena Fischer")
    cli.ok("benefits", "record", "IMP-0001", "licence", "2026Q4", "1200", "--as", "Priya Nair")
    cli.ok("benefits", "validate", "IMP-0001", "overtime", "2026Q3", "--as", "Carmen Ruiz")
    cli.ok("benefits", "validate", "IMP-0001", "licence", "2026Q4", "--as", "Fatima Noor")
    # MTTR 9.5 h baseline; measured 8 h then 7.5 h in 2026Q4: the last one counts.
    _measure(8.0, datetime(2026, 10, 20, tzinfo=UTC))
    _measure(7.5, datetime(2026, 11, 20, tzinfo=UTC))
    measured = (9.5 - 7.5) * 80
    shown = cli.json("benefits", "show", "IMP-0001")
    restore = shown["lines"][2]["cells"]
    assert [(c["quarter"], c["actual"], c["state"], c["source"]) for c in restore] == [
        ("2026Q4", measured, "recorded", "measured")
    ]
    cli.ok("benefits", "validate", "IMP-0001", "restore-time", "2026Q4", "--as", "Fatima Noor")
    forecast = 4000 + 4000 + 1000 * USD + 300
    validated = 3500 + 1200 * USD + measured
    portfolio = cli.json("portfolio")["benefits"]
    assert portfolio["currency"] == "EUR"
    by_key = {o["key"]: o for o in portfolio["objectives"]}
    for key in ("restore-faster", "fewer-repeat-incidents"):
        assert by_key[key]["forecast"] == pytest.approx(forecast / 2)
        assert by_key[key]["validated"] == pytest.approx(validated / 2)
        assert by_key[key]["improvements"] == ["IMP-0001"]
    assert by_key["self-service-first"]["forecast"] == 0
    q4 = {q["quarter"]: q for q in by_key["restore-faster"]["quarters"]}["2026Q4"]
    assert q4["forecast"] == pytest.approx((4000 + 1000 * USD + 300) / 2)
    assert q4["validated"] == pytest.approx((1200 * USD + measured) / 2)
    network = {p["key"]: p for p in portfolio["programmes"]}["network-resilience"]
    assert network["validated"] == pytest.approx(validated)
    assert network["validated_share_of_budget"] == pytest.approx(validated / 80000)
    kept = [r for r in actual_rows() if r.line_key == "restore-time"]
    assert [(r.amount, r.source, r.state) for r in kept] == [(measured, "measured", "validated")]


def _closed(ref: str, gain: float, cost: float) -> None:
    from tests.helpers import move_to

    move_to("closed", ref)
    with transaction() as session:
        improvement = get_improvement(session, ref)
        improvement.realised_gain, improvement.actual_cost = gain, cost
        session.add(improvement)


def test_roi_takes_validated_actuals_where_there_are_benefit_lines(
    planned: Path, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("benefits", "record", "IMP-0001", "overtime", "2026Q3", "3500", "--as", "Lena Fischer")
    cli.ok("benefits", "record", "IMP-0001", "licence", "2026Q4", "1200", "--as", "Lena Fischer")
    cli.ok("benefits", "record", "IMP-0001", "overtime", "2026Q4", "900", "--as", "Lena Fischer")
    cli.ok("benefits", "validate", "IMP-0001", "overtime", "2026Q3", "--as", "Fatima Noor")
    cli.ok("benefits", "validate", "IMP-0001", "licence", "2026Q4", "--as", "Fatima Noor")
    # overtime 2026Q4 is never validated: it does not count.
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="no-lines"))))
    _closed("IMP-0001", 99_999, 10_000)  # its typed gain is not used: it has lines
    _closed("IMP-0002", 15_000, 10_000)
    validated = 3500 + 1200 * USD
    found = cli.json("kpis")
    assert found["closed"] == 2
    assert found["total_roi"]["value"] == pytest.approx((validated + 15_000 - 20_000) / 20_000)
    assert found["average_roi"]["value"] == pytest.approx(
        ((validated - 10_000) / 10_000 + (15_000 - 10_000) / 10_000) / 2
    )
    assert found["roi_gain_from"] == {"validated_benefits": 1, "realised_gain_at_signoff": 1}


def test_the_portfolio_s_text_says_forecast_and_validated_per_objective_and_programme(
    planned: Path, cli: Cli
) -> None:
    cli.ok("benefits", "record", "IMP-0001", "overtime", "2026Q3", "3500", "--as", "Lena Fischer")
    cli.ok("benefits", "validate", "IMP-0001", "overtime", "2026Q3", "--as", "Fatima Noor")
    out = cli.ok("portfolio").stdout
    half = (4000 + 4000 + 1000 * USD + 300) / 2
    assert f"objective restore-faster: forecast {half:,.0f} EUR, validated 1,750 EUR" in out
    assert (
        "programme network-resilience: validated 3,500 EUR against budget 80,000 EUR "
        "(4.4 % of it)" in out
    )


def test_strategy_currency_and_rates_are_applied_versioned_and_checked(
    planned: Path, cli: Cli, tmp_path: Path
) -> None:
    doc = example() | {"currency": "EUR", "rates": {"USD": 0.95}}
    out = cli.ok("strategy", "apply", write(tmp_path, doc), "--as", "Carmen Ruiz").stdout
    assert out.splitlines()[-1] == "strategy version 2"
    assert "rates {'USD': 0.9} → {'USD': 0.95}" in events("strategy_applied")[-1].detail
    portfolio = cli.json("portfolio")["benefits"]
    network = {p["key"]: p for p in portfolio["programmes"]}["network-resilience"]
    assert network["forecast"] == pytest.approx(4000 + 4000 + 1000 * 0.95 + 300)
    for bad, field in (({"currency": "EURO"}, "currency"), ({"rates": {"XXY": 1}}, "rates")):
        path = write(tmp_path, example() | bad, "bad.yaml")
        errors = " ".join(fails(cli, "strategy", "apply", path, "--as", "Carmen Ruiz"))
        assert f"{path}: {field}" in errors
    assert cli.json("strategy", "show")["version"] == 2
