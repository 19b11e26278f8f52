"""``improve portfolio`` per quarter (capacity against demand) and ``improve portfolio plan``:
the proposal checked against the best subset worked out here, what is left out and why, bad
input, and the acceptance: a CI manager's, recorded in the audit; anyone else's refused."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent, StrategyVersion
from tests.helpers import Cli, improvement_doc, move_to, write_yaml
from tests.services.register.test_strategy import cast, example, write

__all__ = ["cast"]

CAPACITY = [
    {"quarter": "2027Q1", "hours": 1200, "budget": 60000},
    {"quarter": "2027Q2", "hours": 1000, "budget": 50000},
]
# key, estimated cost, estimated hours, expected gain, WSJF, plan's due date, stage.
WSJF_A = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "effort": 3}
WSJF_B = {"business_value": 13, "time_criticality": 3, "risk_reduction": 5, "effort": 8}
PORTFOLIO: list[tuple[str, float | None, float | None, float | None, Any, str, str]] = [
    ("alpha", 30000, 500, 70000, WSJF_A, "2027-02-10", "identified"),
    ("bravo", 25000, 400, 50000, WSJF_B, "2027-03-01", "defined"),
    ("charlie", 20000, 600, 45000, None, "2027-01-20", "identified"),
    ("delta", 5000, None, 9000, None, "2027-02-01", "identified"),  # no hours
    ("echo", 8000, 100, None, None, "2027-02-01", "identified"),  # no gain
    ("foxtrot", 10000, 200, 30000, None, "2027-05-01", "identified"),  # in 2027Q2
    ("golf", 10000, 300, 20000, None, "2027-03-15", "executing"),  # committed in 2027Q1
]


@pytest.fixture
def planned(cast: None, cli: Cli, tmp_path: Path) -> None:
    register_portfolio(cli, tmp_path)


def register_portfolio(cli: Cli, tmp_path: Path) -> None:
    """The strategy with CAPACITY, and PORTFOLIO's improvements at their stages."""
    strategy = {**example(), "capacity": CAPACITY}
    cli.ok("strategy", "apply", write(tmp_path, strategy))
    for key, cost, hours, gain, wsjf, due, _ in PORTFOLIO:
        doc = improvement_doc(
            key=key,
            title=f"Improvement {key}",
            estimated_cost=cost,
            estimated_hours=hours,
            expected_gain=gain,
            wsjf=wsjf,
            plan=[{"action": "Do it", "owner": "Priya Nair", "due": due}],
        )
        cli.ok("apply", str(write_yaml(tmp_path, {k: v for k, v in doc.items() if v is not None})))
    for number, row in enumerate(PORTFOLIO, start=1):
        if row[6] != "identified" and row[6] != "defined":
            move_to(row[6], f"IMP-{number:04d}")
        elif row[6] == "defined":
            move_to("defined", f"IMP-{number:04d}")


def _best(candidates: list[tuple[str, float, float, float]], budget: float, hours: float) -> float:
    best = 0.0
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            if sum(c[1] for c in subset) <= budget and sum(c[2] for c in subset) <= hours:
                best = max(best, sum(c[3] for c in subset))
    return best


def test_capacity_against_demand_per_quarter(planned: None, cli: Cli) -> None:
    found = cli.json("portfolio")
    q1 = [p for p in PORTFOLIO if p[5].startswith("2027-0") and p[5][5:7] in ("01", "02", "03")]
    assert found["capacity"] == [
        {
            "quarter": "2027Q1",
            "hours": 1200,
            "budget": 60000,
            "demand_hours": sum(p[2] or 0 for p in q1),
            "demand_cost": sum(p[1] or 0 for p in q1),
            "over_hours": sum(p[2] or 0 for p in q1) - 1200,
            "over_budget": sum(p[1] or 0 for p in q1) - 60000,
            "improvements": [f"IMP-{n:04d}" for n in (1, 2, 3, 4, 5, 7)],
            "not_estimated": 1,
        },
        {
            "quarter": "2027Q2",
            "hours": 1000,
            "budget": 50000,
            "demand_hours": 200,
            "demand_cost": 10000,
            "over_hours": 0,
            "over_budget": 0,
            "improvements": ["IMP-0006"],
            "not_estimated": 0,
        },
    ]
    out = cli.ok("portfolio").stdout
    assert (
        "quarter 2027Q1: capacity 1,200 h and 60,000 EUR; demand 1,900 h and 98,000 EUR "
        "(6 improvements, 1 not estimated) 700 h over, 38,000 EUR over"
    ) in " ".join(out.split())


def test_the_plan_for_a_quarter_is_the_best_subset_within_its_capacity_left(
    planned: None, cli: Cli
) -> None:
    found = cli.json("portfolio", "plan", "--quarter", "2027Q1")
    golf = PORTFOLIO[6]
    budget, hours = 60000 - golf[1], 1200 - golf[2]  # what the executing one takes already
    assert (found["budget"], found["hours"]) == (budget, hours)
    assert (found["committed_cost"], found["committed_hours"]) == (golf[1], golf[2])
    weighable = [
        (f"IMP-{n:04d}", p[1], p[2], p[3])
        for n, p in enumerate(PORTFOLIO, start=1)
        if p[6] in ("identified", "defined") and p[5] < "2027-04" and p[2] and p[3]
    ]
    assert found["total_value"] == _best(weighable, budget, hours)
    assert found["total_cost"] <= budget and found["total_hours"] <= hours
    assert [i["id"] for i in found["chosen"]] == ["IMP-0001"]
    assert {i["id"]: i["reason"] for i in found["left_out"]} == {
        "IMP-0002": "does not fit the remaining budget and hours: needs 25,000 of the "
        "20,000 budget left",
        "IMP-0003": "does not fit the remaining budget and hours: needs 600 h of the 400 h left",
        "IMP-0004": "no estimate (hours not estimated)",
        "IMP-0005": "no value (no expected gain)",
        "IMP-0006": "placed in 2027Q2, not 2027Q1",
    }
    by_wsjf = cli.json("portfolio", "plan", "--quarter", "2027Q1", "--by", "wsjf")
    assert [i["id"] for i in by_wsjf["chosen"]] == ["IMP-0001"]
    assert by_wsjf["total_value"] == round((8 + 5 + 3) / 3, 2)
    assert by_wsjf["left_out"][1] == {
        "id": "IMP-0003",
        "title": "Improvement charlie",
        "estimated_cost": 20000,
        "estimated_hours": 600,
        "value": None,
        "reason": "no value (no WSJF score)",
    }
    wide = cli.json("portfolio", "plan", "--budget", "1000000", "--hours", "5000")
    assert [i["id"] for i in wide["chosen"]] == ["IMP-0001", "IMP-0002", "IMP-0003", "IMP-0006"]
    text = " ".join(cli.ok("portfolio", "plan", "--quarter", "2027Q1").stdout.split())
    assert "plan for 2027Q1, maximising the expected gain: budget 50,000 EUR, 900 h" in text
    assert "total: 30,000 of 50,000 EUR, 500 h of 900 h, expected gain 70,000 EUR in total" in text


def _events(action: str) -> list[AuditEvent]:
    with transaction(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))))


def test_only_a_ci_manager_accepts_a_plan_and_the_audit_keeps_it(planned: None, cli: Cli) -> None:
    args = ("portfolio", "plan", "--quarter", "2027Q1", "--accept")
    errors = cli.fails(*args, "--as", "Lena Fischer")
    assert errors == ["error: only a CI manager accepts a portfolio plan"]
    assert [(e.action, e.actor) for e in _events("forbidden")][-1] == ("forbidden", "Lena Fischer")
    assert _events("portfolio_plan_accepted") == []
    assert cli.fails(*args, code=2) == [
        "error: --accept needs --as NAME: the CI manager who accepts the plan"
    ]

    out = cli.ok(*args, "--as", "Carmen Ruiz").stdout
    assert "accepted by Carmen Ruiz, recorded in the audit" in out
    (event,) = _events("portfolio_plan_accepted")
    assert (event.actor, event.improvement_id, event.channel) == ("Carmen Ruiz", None, "cli")
    assert event.detail == (
        "plan for 2027Q1 by value: chose IMP-0001; budget 50,000 EUR, 900 h; uses 30,000 EUR "
        "and 500 h; expected gain 70,000 EUR in total"
    )
    (shown,) = cli.json("portfolio", "plans")
    assert (shown["by"], shown["detail"]) == ("Carmen Ruiz", event.detail)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--budget", "-1", "--hours", "10"),
            "--budget: -1 is below zero; give an amount of 0 or more",
        ),
        (
            ("--quarter", "2031Q1"),
            "--quarter: no capacity for 2031Q1 in the strategy (2027Q1, 2027Q2)",
        ),
        (("--quarter", "27Q1"), "--quarter: '27Q1' is not a quarter, e.g. 2027Q1"),
        (("--budget", "100"), "give --budget and --hours, or --quarter to take its capacity"),
    ],
)
def test_bad_input_is_one_clear_error(
    planned: None, cli: Cli, args: tuple[str, ...], expected: str
) -> None:
    assert cli.fails("portfolio", "plan", *args, code=2) == [f"error: {expected}"]


def test_nothing_to_choose_from(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", write(tmp_path, {**example(), "capacity": CAPACITY}))
    assert cli.fails("portfolio", "plan", "--quarter", "2027Q1", code=2) == [
        "error: nothing to choose from: no identified or defined improvement placed in 2027Q1 "
        "or in no quarter"
    ]


@pytest.mark.parametrize(
    ("capacity", "expected"),
    [
        (
            [{"quarter": "2027Q5", "hours": 1, "budget": 1}],
            "capacity[0].quarter: String should match pattern",
        ),
        (
            [{"quarter": "2027Q1", "hours": 1, "budget": -1}],
            "capacity[0].budget: Input should be greater than or equal to 0",
        ),
        (
            [{"quarter": "2027Q1", "hours": -1, "budget": 1}],
            "capacity[0].hours: Input should be greater than or equal to 0",
        ),
        (CAPACITY[:1] * 2, "capacity: quarter 2027Q1 is given twice"),
    ],
)
def test_bad_capacity_is_refused_naming_the_file_and_field(
    cast: None, cli: Cli, tmp_path: Path, capacity: list[dict[str, Any]], expected: str
) -> None:
    path = write(tmp_path, {**example(), "capacity": capacity})
    errors = cli.fails("strategy", "apply", path)
    assert errors[0].startswith(f"{path}: {expected}")
    assert errors[-1] == f"error: {path}: 1 problem, nothing was written"
    with transaction(write=False) as session:
        assert list(session.exec(select(StrategyVersion))) == []


def test_a_capacity_change_is_a_new_version(cast: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("strategy", "apply", write(tmp_path, {**example(), "capacity": CAPACITY}))
    changed = [{**CAPACITY[0], "hours": 900}]
    out = cli.ok("strategy", "apply", write(tmp_path, {**example(), "capacity": changed})).stdout
    assert "capacity 2027Q1: updated (hours)" in out
    assert "capacity 2027Q2: removed" in out
    assert "strategy version 2" in out
    assert [q["quarter"] for q in cli.json("portfolio")["capacity"]] == ["2027Q1"]


def test_a_changed_estimate_is_an_update_the_portfolio_follows(
    planned: None, cli: Cli, tmp_path: Path
) -> None:
    key, cost, _, gain, wsjf, due, _ = PORTFOLIO[0]
    doc = improvement_doc(
        key=key,
        title=f"Improvement {key}",
        estimated_cost=cost,
        estimated_hours=450,
        expected_gain=gain,
        wsjf=wsjf,
        plan=[{"action": "Do it", "owner": "Priya Nair", "due": due}],
    )
    out = cli.ok("apply", str(write_yaml(tmp_path, doc))).stdout
    assert "IMP-0001 updated: alpha (estimated_hours)" in out
    q1 = cli.json("portfolio")["capacity"][0]
    assert q1["demand_hours"] == 1900 - 500 + 450
