"""Golden numbers for every KPI formula, the n/a cases included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ci_workflow.domain.kpis import (
    Figure,
    ImprovementFacts,
    decrease,
    efficiency_increase,
    increase,
    objective_kpi,
    performance,
    practice_kpis,
    roi,
)


@pytest.mark.parametrize(
    ("kind", "before", "after", "direction", "name", "value"),
    [
        ("customer_satisfaction", 3.1, 4.3, "increase", "customer satisfaction improvement", 1.2),
        ("cost_of_service", 120_000, 95_000, "decrease", "cost of service delivery reduction", 25_000),
        ("incident_volume", 1400, 300, "decrease", "incident volume decrease", 1100),
        ("problem_volume", 40, 46, "decrease", "problem volume decrease", -6),
        ("service_performance", 9.5, 6.0, "decrease", "service performance improvement", 3.5),
        ("service_performance", 99.1, 99.6, "increase", "service performance improvement", 0.5),
        ("service_availability", 99.5, 99.9, "increase", "service availability improvement", 0.4),
        ("employee_engagement", 62, 70, "increase", "employee engagement improvement", 8),
        ("process_efficiency", 4.0, 5.0, "increase", "process efficiency increase", 1.25),
        ("process_efficiency", 0.4, 0.2, "decrease", "process efficiency increase", 2.0),
    ],
)  # fmt: skip
def test_objective_kpis(
    kind: str, before: float, after: float, direction: str, name: str, value: float
) -> None:
    found_name, figure = objective_kpi(kind, before, after, direction)
    assert found_name == name
    assert figure.value == pytest.approx(value)


def test_missing_and_zero_denominators_are_na_with_the_reason() -> None:
    assert increase(None, 4) == Figure(None, "no before value")
    assert decrease(3, None) == Figure(None, "no after value")
    assert performance(None, None, "increase") == Figure(None, "no before or after value")
    assert efficiency_increase(0, 5) == Figure(None, "division by a zero efficiency")
    assert efficiency_increase(0.4, 0, "decrease") == Figure(None, "division by a zero efficiency")
    assert roi(38_000, 10_500).value == pytest.approx(2.6190476)
    assert roi(5_000, 0) == Figure(None, "the actual cost is 0")
    assert roi(None, 100) == Figure(None, "no realised gain recorded")
    assert roi(100, None) == Figure(None, "no actual cost recorded")
    assert str(roi(5_000, 0)) == "n/a (the actual cost is 0)"


def facts(status: str, identified: str, completed: str | None, gain: float | None, cost: float | None,
          met: tuple[bool, ...], due: str | None) -> ImprovementFacts:  # fmt: skip
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    return ImprovementFacts(status, at(identified), at(completed) if completed else None, gain, cost,
                            met, date.fromisoformat(due) if due else None)  # fmt: skip


def test_practice_kpis_over_a_period() -> None:
    register = [
        facts(
            "closed", "2026-01-01", "2026-03-02", 30_000, 10_000, (True, True), "2026-03-31"
        ),  # 60 days, ROI 2, on time
        facts(
            "closed", "2026-01-10", "2026-04-20", 8_000, 10_000, (True, False), "2026-03-31"
        ),  # 100 days, ROI -0.2, late
        facts("closed", "2026-02-01", "2026-03-03", None, 5_000, (True,), None),  # 30 days, no ROI
        facts(
            "closed", "2025-01-01", "2025-06-01", 1, 1, (True,), None
        ),  # closed before the period
        facts("executing", "2026-02-01", None, None, None, (), None),
        facts("rejected", "2026-02-01", "2026-02-10", None, None, (), None),
    ]
    kpis = practice_kpis(
        register, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert kpis.closed == 3 and kpis.successful == 2
    assert kpis.success_rate.value == pytest.approx(2 / 3)
    assert kpis.average_days_to_implement.value == pytest.approx((60 + 100 + 30) / 3)
    assert kpis.total_roi.value == pytest.approx((38_000 - 20_000) / 20_000)
    assert kpis.average_roi.value == pytest.approx((2 - 0.2) / 2)
    assert kpis.on_time_rate.value == pytest.approx(1 / 2)
    assert kpis.by_stage == {"closed": 4, "executing": 1, "rejected": 1}


def test_a_period_with_nothing_closed_gives_na_not_a_crash() -> None:
    kpis = practice_kpis([], datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert kpis.closed == 0
    for figure in (
        kpis.success_rate,
        kpis.average_days_to_implement,
        kpis.total_roi,
        kpis.average_roi,
        kpis.on_time_rate,
    ):
        assert figure.value is None and figure.reason
