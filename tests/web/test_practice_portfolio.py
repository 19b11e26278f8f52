"""The practice page shows the portfolio as the practice report does: per strategic objective
who serves it and its benefits, the programmes, what capacity is over."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.services.register.test_strategy import example
from tests.web.conftest import Workspace
from tests.web.helpers import new_improvement
from tests.web.test_portfolio import text_of


def test_the_practice_page_shows_the_portfolio(use: Workspace, tmp_path: Path) -> None:
    lena = use.signed_in("lena@example.org")
    assert "No strategy applied: no portfolio to show." in text_of(lena.get("/practice").text)
    capacity = [{"quarter": "2026Q4", "hours": 100, "budget": 10000}]
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text(yaml.safe_dump(example() | {"capacity": capacity}, sort_keys=False))
    use.improve("strategy", "apply", str(strategy))
    new_improvement(
        use,
        tmp_path,
        estimated_hours=150,
        serves=["restore-faster"],
        programme="network-resilience",
    )
    page = lena.get("/practice").text
    words = text_of(page)
    assert "Restore failed services faster 1 identified 0 EUR 0 EUR" in words
    assert "Routine changes without a board nobody" in words
    budget = next(p["budget"] for p in example()["programmes"] if p["key"] == "network-resilience")
    assert f"Network resilience {budget:,} EUR 12,000 EUR 0 EUR" in words
    assert "2026Q4: demand over capacity by 50 h and 2,000 EUR." in words
