"""In a real Chromium: a finance person (unscoped) signs in, validates an actual on the
improvement's page, and /portfolio draws forecast against validated actual per objective.
Screenshots of both pages at 1366 and 390 px in /tmp/shots-benefits (``IMPROVE_SHOTS``); at
390 px neither is wider than the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import chromium, until_replaced
from tests.services.register.test_benefits import USD
from tests.web.conftest import Workspace
from tests.web.test_benefits import LENA, _planned, _record
from tests.web.test_people_admin import PASSWORD, _shoot, _sign_in_as, someone

SHOTS = Path(os.environ.get("IMPROVE_SHOTS", "/tmp/shots-benefits"))


@pytest.mark.slow
def test_a_finance_person_validates_in_the_browser_and_the_portfolio_draws_it(
    use: Workspace, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shown = _planned(use, tmp_path)
    _record(use, shown, LENA, "3500")
    name, finance = someone(["finance"])  # every programme
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, finance, PASSWORD)
        browser.set_window_size(1366, 900)
        browser.get(f"{use.url}/improvements/{shown}")
        button = browser.find_element(By.XPATH, "//button[text()='Validate overtime 2026Q3']")
        button.click()
        until_replaced(browser, button)
        row = browser.find_element(By.ID, "benefit-overtime-2026Q3").text
        assert f"validated by {name}" in row and "3,500" in row
        assert _shoot(browser, use, SHOTS, "improvement-benefits", None) <= 390
        browser.get(f"{use.url}/portfolio")
        chart = browser.find_element(By.CSS_SELECTOR, ".benefits-chart svg")
        assert "forecast" in chart.text and "validated actual" in chart.text
        restore = browser.find_element(By.ID, "benefits-restore-faster").text
        half = (4000 + 4000 + 1000 * USD + 300) / 2
        assert f"{half:,.0f} EUR" in restore and f"{3500 / 2:,.0f} EUR" in restore
        assert _shoot(browser, use, SHOTS, "portfolio-benefits", None) <= 390
    finally:
        browser.quit()
