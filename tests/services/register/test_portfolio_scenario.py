"""Issue 26's portfolio, whole: the example strategy (two goals, four objectives), eight
improvements in its two programmes, each forecasting a saving over three quarters, actuals
recorded every quarter and validated by finance of the improvement's programme (one rejected,
some left waiting), and a validation refused to finance of the other programme. Every figure
the portfolio shows per objective, quarter and programme is worked out here from the plan
below, independently of the product's rules module."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.register.test_strategy import example, write

QUARTERS = ("2026Q2", "2026Q3", "2026Q4")
NETWORK, DESK = "network-resilience", "service-desk-2027"
FINANCE = {NETWORK: "Fatima Noor", DESK: "Felix Wu"}
# key, programme, objectives served, forecast per quarter, actual per quarter.
PLANNED = [
    ("route-rule", NETWORK, ["restore-faster"], (1000, 2000, 3000), (900, 2100, 2500)),
    (
        "spare-switches",
        NETWORK,
        ["restore-faster", "fewer-repeat-incidents"],
        (0, 5000, 5000),
        (0, 4000, 5600),
    ),
    ("probe-links", NETWORK, ["fewer-repeat-incidents"], (700, 700, 700), (650, 720, 0)),
    ("link-backup", NETWORK, ["restore-faster"], (400, 400, 400), (400, 380, 410)),
    ("reset-portal", DESK, ["self-service-first"], (3000, 3000, 3000), (2500, 3100, 3300)),
    ("chat-bot", DESK, ["self-service-first", "faster-changes"], (0, 1500, 3000), (0, 900, 2800)),
    ("change-models", DESK, ["faster-changes"], (1200, 1200, 1200), (1000, 1300, 1250)),
    ("kb-articles", DESK, ["self-service-first"], (500, 500, 500), (300, 450, 600)),
]
# Actuals left waiting (recorded, not validated) and the one rejected: (improvement, quarter).
WAITING = {("chat-bot", "2026Q4"), ("kb-articles", "2026Q4"), ("probe-links", "2026Q3")}
REJECTED = ("spare-switches", "2026Q4")


@pytest.fixture
def run(people: None, cli: Cli, tmp_path: Path) -> None:
    for name, programme in ((FINANCE[NETWORK], NETWORK), (FINANCE[DESK], DESK)):
        email = name.split()[0].lower() + "@example.org"
        cli.ok("people", "add", name, "--email", email, "--role", f"finance:{programme}")
    cli.ok("strategy", "apply", write(tmp_path, example()), "--as", "Carmen Ruiz")
    for key, programme, serves, forecast, _ in PLANNED:
        line = {
            "key": "saving",
            "kind": "hard_saving",
            "forecast": {q: amount for q, amount in zip(QUARTERS, forecast, strict=True) if amount},
        }
        doc = improvement_doc(key=key, serves=serves, programme=programme, benefits=[line])
        cli.ok("apply", str(write_yaml(tmp_path, doc)))
    for number, (key, programme, _, _, actual) in enumerate(PLANNED, start=1):
        ref = f"IMP-{number:04d}"
        for quarter, amount in zip(QUARTERS, actual, strict=True):
            if not amount:
                continue
            cli.ok("benefits", "record", ref, "saving", quarter, str(amount), "--as", "Carmen Ruiz")
            if (key, quarter) in WAITING:
                continue
            decision = ["--reject", "no invoice"] if (key, quarter) == REJECTED else []
            by = FINANCE[programme]
            cli.ok("benefits", "validate", ref, "saving", quarter, "--as", by, *decision)


def expected() -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], tuple[float, float]]]:
    """Per objective its forecast, validated and waiting totals; per (objective, quarter) its
    forecast and validated: an improvement serving n objectives gives each 1/n."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    quarters: dict[tuple[str, str], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for key, _, serves, forecast, actual in PLANNED:
        share = 1 / len(serves)
        for quarter, planned, got in zip(QUARTERS, forecast, actual, strict=True):
            validated = got if got and (key, quarter) not in WAITING | {REJECTED} else 0
            waiting = got if (key, quarter) in WAITING else 0
            for objective in serves:
                totals[objective]["forecast"] += planned * share
                totals[objective]["validated"] += validated * share
                totals[objective]["waiting"] += waiting * share
                before = quarters[(objective, quarter)]
                quarters[(objective, quarter)] = (
                    before[0] + planned * share,
                    before[1] + validated * share,
                )
    return totals, quarters


def test_the_portfolio_s_benefits_per_objective_quarter_and_programme(run: None, cli: Cli) -> None:
    found = cli.json("portfolio")["benefits"]
    totals, quarters = expected()
    objectives = {o["key"]: o for o in found["objectives"]}
    assert set(objectives) == {o["key"] for g in example()["goals"] for o in g["objectives"]}
    for key, figures in objectives.items():
        want = totals[key]
        assert figures["forecast"] == pytest.approx(want["forecast"]), key
        assert figures["validated"] == pytest.approx(want["validated"]), key
        assert figures["waiting"] == pytest.approx(want["waiting"]), key
        shown = {q["quarter"]: (q["forecast"], q["validated"]) for q in figures["quarters"]}
        for quarter in QUARTERS:
            got = shown.get(quarter, (0.0, 0.0))
            assert got == pytest.approx(quarters[(key, quarter)]), (key, quarter)
    # A worked figure, by hand: restore-faster gets all of route-rule and link-backup and half
    # of spare-switches, whose 2026Q4 actual was rejected: 2026Q3 validated 2,100 + 380 + 2,000.
    assert objectives["restore-faster"]["quarters"][1]["validated"] == pytest.approx(4480)

    budgets = {p["key"]: p["budget"] for p in example()["programmes"]}
    programmes = {p["key"]: p for p in found["programmes"]}
    for programme in (NETWORK, DESK):
        members = [p for p in PLANNED if p[1] == programme]
        validated = sum(
            got
            for key, _, _, _, actual in members
            for quarter, got in zip(QUARTERS, actual, strict=True)
            if got and (key, quarter) not in WAITING | {REJECTED}
        )
        assert programmes[programme]["forecast"] == pytest.approx(sum(sum(p[3]) for p in members))
        assert programmes[programme]["validated"] == pytest.approx(validated)
        share = programmes[programme]["validated_share_of_budget"]
        assert share == pytest.approx(validated / budgets[programme])


def test_finance_of_the_other_programme_may_not_validate_and_nothing_changes(
    run: None, cli: Cli
) -> None:
    before = cli.json("portfolio")["benefits"]
    waiting = f"IMP-{[p[0] for p in PLANNED].index('chat-bot') + 1:04d}"  # a service desk one
    refused = cli.run("benefits", "validate", waiting, "saving", "2026Q4", "--as", "Fatima Noor")
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert cli.json("portfolio")["benefits"] == before
    cell = cli.json("benefits", "show", waiting)["lines"][0]["cells"][-1]
    assert (cell["quarter"], cell["state"], cell["decided_by"]) == ("2026Q4", "recorded", None)
