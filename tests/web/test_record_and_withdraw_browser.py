"""In a real Chromium: a team member records a value on the improvement's page and sees it in
the objectives, then a survey's file of responses for a satisfaction objective; the owner
withdraws the improvement with a reason and the page says who, when and why. Screenshots of the
forms, the survey upload, the review report with a survey and the withdrawn page at 1366 and
390 px are left in tmp_path (``--basetemp`` keeps them); at 390 px none is wider than the
screen."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium
from tests.helpers import move_to, objective_doc
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement
from tests.web.test_people_admin import _shoot, _sign_in_as

CSAT = objective_doc(
    metric="csat",
    description="Satisfaction with the service desk (1 to 5)",
    unit="",
    baseline=3.2,
    target=4.0,
    direction="increase",
    kpi_kind="customer_satisfaction",
)


def _until(browser: Any, css: str, text: str) -> str:
    """The element's text once it holds ``text`` (a generous bound, no sleep)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def holds(b: Any) -> str | None:
        found = [e.text for e in b.find_elements(By.CSS_SELECTOR, css) if text in e.text]
        return found[0] if found else None

    # The page it was read on may be replaced meanwhile: read it again.
    wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,))
    return str(wait.until(holds))


def _shoot_report(browser: Any, url: str, folder: Path) -> int:
    """The review report (a document of its own, no workspace frame) at 1366 and 390 px; how
    far right its survey reaches at 390 px (the report's wide tables scroll, as before)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    reach = 0
    for width in (1366, 390):
        browser.set_window_size(width, 900)
        browser.get(url)
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".survey"))
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(width, min(max(height + 140, 600), 4000))
        browser.save_screenshot(str(folder / f"review-report-{width}.png"))
        survey = browser.find_element(By.CSS_SELECTOR, ".survey")
        survey.screenshot(str(folder / f"review-survey-{width}.png"))
        reach = int(
            browser.execute_script("return arguments[0].getBoundingClientRect().right", survey)
        )
    return reach


@pytest.mark.slow
def test_a_team_member_records_and_the_owner_withdraws_from_the_page(
    use: Workspace, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shown = new_improvement(use, tmp_path, objectives=[objective_doc(), CSAT])
    move_to("executing", shown)
    page = f"/improvements/{shown}"
    responses = tmp_path / "pulse.csv"
    answers = [5, 4, 4, 3, 5, 2, 4, 4, 5, 3, 4, 4, 5, 1, 4, 3, 4, 5, 4, 4]
    responses.write_text(
        "respondent,answer\n" + "".join(f"{n},{a}\n" for n, a in enumerate(answers))
    )
    browser = chromium(tmp_path / "profile")
    widths = {}
    try:
        browser.set_window_size(1366, 900)
        _sign_in_as(browser, use, "priya@example.org", password_of("priya@example.org"))
        browser.get(f"{use.url}{page}")
        browser.find_element(By.ID, "value-mttr_hours").send_keys("7.25")
        browser.find_element(By.ID, "note-mttr_hours").send_keys("From the desk's weekly sheet")
        browser.find_element(By.CSS_SELECTOR, "#record-mttr_hours button[type=submit]").click()
        said = _until(browser, ".message", "mttr_hours = 7.25 recorded")
        assert said.startswith(f"{shown} mttr_hours = 7.25 recorded (checkpoint, ")
        row = _until(browser, "#objectives + table tbody tr", "mttr_hours")
        assert "7.25 h" in row  # the latest value, in the objectives table
        _until(browser, "#audit + table", "From the desk's weekly sheet")
        browser.find_element(By.CSS_SELECTOR, "#record-csat details.survey summary").click()
        widths["forms"] = _shoot(browser, use, tmp_path, "record-forms", None)
        browser.find_element(By.ID, "record").screenshot(str(tmp_path / "record-390.png"))
        browser.set_window_size(1366, 900)
        browser.find_element(By.ID, "question-csat").send_keys("How satisfied are you?")
        browser.find_element(By.ID, "responses-csat").send_keys(str(responses))
        browser.find_element(By.CSS_SELECTOR, "#record-csat details.survey button").click()
        said = _until(browser, ".message", "survey of 20 answers")
        assert f"{shown} csat = {statistics.mean(answers):g} recorded" in said
        widths["upload"] = _shoot(browser, use, tmp_path, "survey-recorded", None)
        widths["report"] = _shoot_report(browser, f"{use.url}{page}/report", tmp_path)
        assert "n = 20, SD 1.04" in browser.page_source
        _sign_in_as(browser, use, "lena@example.org", password_of("lena@example.org"))
        browser.get(f"{use.url}{page}")
        browser.find_element(By.CSS_SELECTOR, "#withdraw summary").click()
        browser.find_element(By.ID, "withdraw-reason").send_keys("Superseded by the desk merger")
        browser.find_element(By.ID, "withdraw").screenshot(str(tmp_path / "withdraw-form.png"))
        browser.find_element(By.CSS_SELECTOR, "#withdraw button.danger").click()
        _until(browser, "#withdrawn", "Withdrawn by Lena Fischer")
        assert "Superseded by the desk merger" in _until(browser, "#withdrawn", "Why")
        assert not browser.find_elements(By.ID, "withdraw-reason")
        widths["withdrawn"] = _shoot(browser, use, tmp_path, "withdrawn", None)
    finally:
        browser.quit()
    assert {k: w for k, w in widths.items() if w > 390} == {}
