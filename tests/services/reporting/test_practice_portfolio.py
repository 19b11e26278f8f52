"""The practice report's Portfolio section (per objective: improvements by stage, benefit
forecast against validated actual, key results; the unserved; programmes; capacity) and the
review report's ROI from validated benefit actuals, checked against figures worked out here."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from ci_workflow.services.reporting.review import review_report
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.services.register.test_benefits import USD, benefit_lines
from tests.services.register.test_strategy import example, write

TITLE = "<b>Route</b> *faster* | [fix](http://x)"
HOURS, COST = 150, 12000  # the improvement's estimates; its plan is due in 2026Q4
CAPACITY = {"quarter": "2026Q4", "hours": 100, "budget": 10000}
OVERTIME, LICENCE_USD = 3500, 1000  # validated actuals: EUR, and USD at the rate USD


@pytest.fixture
def portfolio(people: None, cli: Cli, tmp_path: Path) -> None:
    """The strategy (EUR, a USD rate, one quarter's capacity), finance of the programme, and
    one improvement serving two objectives with two validated actuals."""
    cli.ok(
        "people", "add", "Tomás Silva", "--email", "tomas@example.org", "--role", "improvement_team"
    )
    cli.ok("people", "add", "Fatima Noor", "--email", "fatima@example.org", "--role", "finance")
    doc = example() | {"currency": "EUR", "rates": {"USD": USD}, "capacity": [CAPACITY]}
    cli.ok("strategy", "apply", write(tmp_path, doc), "--as", "Carmen Ruiz")
    imp = improvement_doc(
        title=TITLE,
        estimated_hours=HOURS,
        serves=["restore-faster", "fewer-repeat-incidents"],
        programme="network-resilience",
        benefits=benefit_lines(),
    )
    cli.ok("apply", str(write_yaml(tmp_path, imp)))
    for line, quarter, amount in (("overtime", "2026Q3", OVERTIME), ("licence", "2026Q4", 1000)):
        cli.ok("benefits", "record", "IMP-0001", line, quarter, str(amount), "--as", "Lena Fischer")
        cli.ok("benefits", "validate", "IMP-0001", line, quarter, "--as", "Fatima Noor")


def money(value: float) -> str:
    return f"{round(value):,} EUR"


def test_the_practice_report_shows_the_portfolio(portfolio: None, cli: Cli, tmp_path: Path) -> None:
    validated = OVERTIME + LICENCE_USD * USD  # in EUR
    forecast = 4000 + 4000 + 1000 * USD + 300  # every line's forecast, in EUR
    for fmt in ("html", "md"):
        out = tmp_path / f"practice.{fmt}"
        cli.ok("practice-report", "--format", fmt, "--out", str(out))
        text = out.read_text()
        section = text[text.index("Portfolio") :]
        # Each of the two objectives served gets half the benefit (1/n).
        assert section.count(money(validated / 2)) == 2 and money(forecast / 2) in section
        assert money(validated) in section  # the programme's validated benefit
        assert money(80000) in section and money(COST) in section  # its budget, its cost
        assert f"{HOURS - CAPACITY['hours']} h over" in section
        assert f"{money(COST - CAPACITY['budget'])} over" in section
        assert "Routine changes without a board" in section  # nobody serves it
        kr = example()["goals"][0]["objectives"][0]["key_results"][0]
        assert f"{kr['title']} ({kr['key']}" in section and "not measured" in section
        assert f"{kr['target']} {kr['unit']} by {kr['due']}" in section
        if fmt == "html":
            assert "<b>Route</b>" not in text and TITLE in unescape(section)
            assert "1 planned" in section or "1 identified" in section
        else:
            assert r"\*faster\* \| \[fix\]" in section and "*faster* |" not in section


def test_without_a_strategy_the_section_is_one_line(people: None, cli: Cli, tmp_path: Path) -> None:
    cli.ok("practice-report", "--format", "md", "--out", str(tmp_path / "p.md"))
    text = (tmp_path / "p.md").read_text()
    assert "## Portfolio\n\nNo strategy applied: no portfolio to report.\n" in text


def test_the_review_report_takes_its_roi_from_validated_actuals(portfolio: None) -> None:
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        improvement.realised_gain, improvement.actual_cost = 99_000.0, 2_000.0
        session.add(improvement)
    validated = OVERTIME + LICENCE_USD * USD
    roi = round((validated - 2000) / 2000 * 100)
    html = unescape(review_report("IMP-0001", "html"))
    assert f"{money(validated)}" in html and f"{roi} %" in html
    assert "from the validated benefit actuals" in html
    md = review_report("IMP-0001", "md")
    assert f"ROI: **{roi} %**, from the validated benefit actuals" in md


def test_without_benefit_lines_the_roi_is_from_the_realised_gain(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        improvement.realised_gain, improvement.actual_cost = 30_000.0, 12_000.0
        session.add(improvement)
    md = review_report("IMP-0001", "md")
    assert "ROI: **150 %**, from the realised gain at sign-off" in md
    assert "Validated benefits" not in md
