"""In a real Chromium: a CI manager opens the strategy from the portfolio, adds an objective in
the text box, previews what would change and applies it; a process owner is refused. Screenshots
of /strategy and /portfolio at 1366 and 390 px are left in tmp_path (``--basetemp`` keeps them);
at 390 px none is wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.browser import chromium, until_replaced
from tests.helpers import Cli
from tests.services.register.test_strategy import example
from tests.web.conftest import Workspace, password_of
from tests.web.test_people_admin import _shoot, _sign_in_as
from tests.web.test_record_and_withdraw_browser import _until

OBJECTIVE = {
    "key": "fewer-handoffs",
    "title": "Fewer hand-offs between teams",
    "owner": "Grace Kim",
    "key_results": [
        {
            "key": "handoffs-per-incident",
            "title": "Hand-offs per incident",
            "owner": "Grace Kim",
            "metric": "handoffs",
            "baseline": 2.4,
            "target": 1.5,
            "direction": "decrease",
            "due": "2027-09-30",
        }
    ],
}


def _applied_strategy(tmp_path: Path) -> None:
    """The example strategy, its MTTR key result captured from imported incidents (none are
    imported here: its latest capture failed, and says why) and another recorded by hand."""
    doc = example()
    doc["goals"][0]["objectives"][0]["key_results"][0].update(
        source={"kind": "incidents", "metric": "mttr_median_hours"}, window="28d"
    )
    path = tmp_path / "strategy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    cli = Cli()
    cli.ok("strategy", "apply", str(path))
    cli.run("strategy", "capture", "network-mttr-median", "--at", "2026-11-02T06:00")
    cli.ok("strategy", "record", "self-service-share", "41", "--at", "2026-11-02T06:00")


@pytest.mark.slow
def test_a_ci_manager_edits_previews_and_applies_the_strategy_and_others_are_refused(
    use: Workspace, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _applied_strategy(tmp_path)
    browser = chromium(tmp_path / "profile")
    widths: dict[str, int] = {}
    try:
        browser.set_window_size(1366, 900)
        _sign_in_as(browser, use, "carmen@example.org", password_of("carmen@example.org"))
        browser.get(f"{use.url}/portfolio")
        assert "Latest capture failed" in _until(browser, "main", "captured from incidents")
        widths["portfolio"] = _shoot(browser, use, tmp_path, "portfolio", None)
        browser.set_window_size(1366, 900)
        link = browser.find_element(By.LINK_TEXT, "Edit the strategy")
        link.click()
        until_replaced(browser, link)
        box = browser.find_element(By.ID, "text")
        doc: dict[str, Any] = yaml.safe_load(box.get_property("value"))
        doc["goals"][1]["objectives"].append({**OBJECTIVE, "owner": "Nobody"})
        box.clear()
        box.send_keys(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        button = browser.find_element(By.CSS_SELECTOR, "button[value=apply]")
        button.click()
        until_replaced(browser, button)
        said = _until(browser, "#problems", "Nothing was applied: 1 problem")
        assert "strategy.yaml: goals[1].objectives[2].owner: unknown person 'Nobody'" in said
        widths["problems"] = _shoot(browser, use, tmp_path, "strategy-problems", None)
        browser.set_window_size(1366, 900)
        doc["goals"][1]["objectives"][-1] = OBJECTIVE  # the owner put right, in the same box
        box = browser.find_element(By.ID, "text")
        box.clear()
        box.send_keys(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        button = browser.find_element(By.CSS_SELECTOR, "button[value=preview]")
        button.click()
        until_replaced(browser, button)
        said = _until(browser, "#preview", "Applying it would change 2 items")
        assert "objective fewer-handoffs created" in said
        assert "key result handoffs-per-incident created" in said
        widths["preview"] = _shoot(browser, use, tmp_path, "strategy-preview", None)
        browser.set_window_size(1366, 900)
        button = browser.find_element(By.CSS_SELECTOR, "button[value=apply]")
        button.click()
        until_replaced(browser, button)
        _until(browser, ".message", "Strategy version 2 applied.")
        widths["strategy"] = _shoot(browser, use, tmp_path, "strategy", None)
        shown = Cli().json("strategy", "show")
        assert shown["version"] == 2
        assert shown["goals"][1]["objectives"][-1]["key"] == "fewer-handoffs"
        browser.get(f"{use.url}/portfolio")
        _until(browser, "#fewer-handoffs", "Fewer hand-offs between teams")

        _sign_in_as(browser, use, "omar@example.org", password_of("omar@example.org"))
        browser.get(f"{use.url}/strategy")
        _until(browser, "main", "may not edit the strategy")
        assert not browser.find_elements(By.ID, "text")
        assert not browser.find_elements(By.LINK_TEXT, "Strategy")  # not in the nav
        widths["refused"] = _shoot(browser, use, tmp_path, "strategy-refused", None)
    finally:
        browser.quit()
    assert {k: w for k, w in widths.items() if w > 390} == {}
