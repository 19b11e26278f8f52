"""Golden numbers for every KPI formula, the n/a cases included, and the ten KPIs rolled up
over the improvements closed in a period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ci_workflow.domain.measures.kpi_rollup import (
    KPIS,
    ClosedImprovement,
    Kpi,
    ObjectiveResult,
    grouped,
    rollup,
)
from ci_workflow.domain.measures.kpis import (
    Figure,
    ImprovementFacts,
    decrease,
    efficiency_increase,
    efficiency_ratio,
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
        (
            "cost_of_service",
            120_000,
            95_000,
            "decrease",
            "cost of service delivery reduction",
            25_000,
        ),
        ("incident_volume", 1400, 300, "decrease", "incident volume decrease", 1100),
        ("problem_volume", 40, 46, "decrease", "problem volume decrease", -6),
        ("service_performance", 9.5, 6.0, "decrease", "service performance improvement", 3.5),
        ("service_performance", 99.1, 99.6, "increase", "service performance improvement", 0.5),
        ("service_availability", 99.5, 99.9, "increase", "service availability improvement", 0.4),
        ("employee_engagement", 62, 70, "increase", "employee engagement improvement", 8),
        ("process_efficiency", 4.0, 5.0, "increase", "process efficiency increase", 0.25),
        ("process_efficiency", 0.4, 0.2, "decrease", "process efficiency increase", 0.5),
        # the demo's rework share: 0.33 → 0.077 is (0.33 − 0.077) ÷ 0.33 less, not ×4.29
        (
            "process_efficiency",
            0.33,
            0.077,
            "decrease",
            "process efficiency increase",
            (0.33 - 0.077) / 0.33,
        ),
    ],
)
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
    assert efficiency_increase(0, 5) == Figure(None, "the before value is 0")
    assert efficiency_increase(0, 0.4, "decrease") == Figure(None, "the before value is 0")
    assert roi(38_000, 10_500).value == pytest.approx(2.6190476)
    assert roi(5_000, 0) == Figure(None, "the actual cost is 0")
    assert roi(None, 100) == Figure(None, "no realised gain recorded")
    assert roi(100, None) == Figure(None, "no actual cost recorded")
    assert str(roi(5_000, 0)) == "n/a (the actual cost is 0)"


def facts(
    status: str,
    identified: str,
    completed: str | None,
    gain: float | None,
    cost: float | None,
    met: tuple[bool, ...],
    due: str | None,
) -> ImprovementFacts:
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    return ImprovementFacts(
        status,
        at(identified),
        at(completed) if completed else None,
        gain,
        cost,
        met,
        date.fromisoformat(due) if due else None,
    )


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


def test_efficiency_as_output_over_input() -> None:
    # 100 tickets for 50 staff hours before, 120 for 48 after: (120 / 48) ÷ (100 / 50) = 1.25,
    # a quarter more output per hour.
    assert efficiency_ratio(100, 50, 120, 48).value == pytest.approx(0.25)
    assert efficiency_ratio(100, 0, 120, 48) == Figure(None, "an input value is 0")
    assert efficiency_ratio(100, None, 120, 48) == Figure(None, "the input has no before value")
    assert efficiency_ratio(None, 50, 120, 48) == Figure(None, "no before value")


def result(
    metric: str,
    kind: str,
    before: float | None,
    after: float | None,
    verdict: str,
    direction: str = "increase",
    unit: str = "",
    input_metric: str | None = None,
) -> ObjectiveResult:
    return ObjectiveResult(metric, kind, unit, direction, before, after, verdict, input_metric)


def closed(
    process: str,
    service: str | None,
    days: int,
    gain: float | None,
    cost: float | None,
    *objectives: ObjectiveResult,
) -> ClosedImprovement:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return ClosedImprovement(
        process, service, start, start + timedelta(days=days), gain, cost, objectives
    )


def test_the_ten_kpis_are_means_of_the_improvements_values() -> None:
    register = [
        closed(
            "Incident Management",
            "Network",
            96,
            30_000,
            12_000,
            result("mttr_hours", "service_performance", 10, 5.7, "met", "decrease", "h"),
            result("cost", "cost_of_service", 120_000, 95_000, "met", "decrease", "EUR"),
        ),
        closed(
            "Incident Management",
            None,
            130,
            None,
            5_000,
            result("csat", "customer_satisfaction", 3.0, 3.6, "partially met"),
            result(
                "tickets",
                "process_efficiency",
                100,
                120,
                "partially met",
                input_metric="staff_hours",
            ),
            result("staff_hours", "other", 50, 48, "not met", "decrease"),
            result("response_ms", "service_performance", 200, 260, "not met", "decrease", "ms"),
        ),
        closed(
            "Change Enablement",
            "Network",
            30,
            8_000,
            10_000,
            result("incidents", "incident_volume", 40, 25, "met", "decrease"),
            result("problems", "problem_volume", 4, 5, "not met", "decrease"),
            result("uptime", "service_availability", 99.5, 99.9, "met", unit="%"),
            result("engagement", "employee_engagement", 62, 70, "met"),
            result("hours_per_ticket", "process_efficiency", 0.4, 0.2, "met", "decrease"),
        ),
    ]
    kpis = rollup(register)
    assert list(kpis) == [key for key, _, _ in KPIS] and len(kpis) == 11
    performance = kpis["service_performance"]  # after − before, each objective better or worse
    assert performance.value == pytest.approx(((5.7 - 10) + (260 - 200)) / 2)
    assert (performance.count, performance.better, performance.worse) == (2, 1, 1)
    assert performance.unit == "mixed units"
    assert kpis["customer_satisfaction"].value == pytest.approx(0.6)
    assert kpis["cost_of_service"] == Kpi(25_000, 1, unit="EUR", better=1)
    assert kpis["incident_volume"].value == 15 and kpis["problem_volume"].value == -1
    assert kpis["problem_volume"].worse == 1
    assert kpis["service_availability"].value == pytest.approx(0.4)
    assert kpis["employee_engagement"].value == 8
    # (120 / 48) ÷ (100 / 50) − 1 = 25 % more output per hour, and 0.4 → 0.2 hours per ticket
    # (lower is better) half as many: 50 % better; mean 37.5 %.
    assert kpis["process_efficiency"].value == pytest.approx((0.25 + 0.5) / 2)
    assert kpis["process_efficiency"].better == 2
    successful = kpis["successful_improvements"]  # the first met every objective, others some
    assert (successful.value, successful.count, successful.successful, successful.partially) == (
        pytest.approx(1 / 3),
        3,
        1,
        2,
    )
    assert kpis["time_to_implement"].value == pytest.approx((96 + 130 + 30) / 3)
    assert kpis["roi"].value == pytest.approx((1.5 + -0.2) / 2) and kpis["roi"].count == 2
    by_process = {name: (n, k) for name, n, k in grouped(register, "process")}
    assert list(by_process) == ["Change Enablement", "Incident Management"]
    assert by_process["Incident Management"][0] == 2
    assert by_process["Change Enablement"][1]["customer_satisfaction"] == Kpi(
        None, 0, "none has such an objective measured before and after"
    )
    by_service = grouped(register, "service")
    assert [(name, n) for name, n, _ in by_service] == [("Network", 2), (None, 1)]


def test_ten_kpis_of_nothing_closed_are_na_with_the_reason() -> None:
    kpis = rollup([])
    assert all(k == Kpi(None, 0, "no improvement closed in the period") for k in kpis.values())
    lone = rollup([closed("P", None, 10, None, 0)])
    assert lone["roi"].value is None and "non-zero actual cost" in lone["roi"].reason
    assert lone["successful_improvements"].value == 0.0  # no objective: not a success
    assert lone["time_to_implement"].value == 10


def test_an_efficiency_whose_input_is_missing_counts_for_nothing() -> None:
    kpis = rollup(
        [
            closed(
                "P",
                None,
                10,
                None,
                None,
                result("tickets", "process_efficiency", 100, 120, "met", input_metric="gone"),
            )
        ]
    )
    assert kpis["process_efficiency"].value is None
