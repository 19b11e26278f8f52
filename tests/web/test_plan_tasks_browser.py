"""A plan action as a task in a real Chromium (issue 22): a team member assigned an overdue
action opens My work, sees it overdue, opens the improvement and marks it done; the page then
shows the day it was done and the plan's share done. Screenshots of My work, the plan (as its
assignee and as its owner, who may reassign) and the register at 1366 and 390 px are left in
tmp_path (``--basetemp`` keeps them); at 390 px no page is wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.clock import utcnow
from tests.browser import chromium
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement
from tests.web.test_people_admin import _shoot, _sign_in_as

TODAY = utcnow().date()


@pytest.mark.slow
def test_an_assignee_marks_an_overdue_action_done_from_my_work(
    use: Workspace, tmp_path: Path
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    shown = new_improvement(
        use,
        tmp_path,
        title="Restore network incidents within the working day",
        plan=[
            {"action": "Write the routing rule", "owner": "Lena Fischer", "status": "done"},
            {
                "action": "Add the rule to the desk's queue",
                "owner": "Priya Nair",
                "due": TODAY - timedelta(13),
            },
            {
                "action": "Train the service desk on the new queue",
                "owner": "Priya Nair",
                "due": TODAY + timedelta(9),
                "status": "in_progress",
            },
        ],
    )
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, "lena@example.org", password_of("lena@example.org"))
        wide = {"owner": _shoot(browser, use, tmp_path, "plan-owner", f"/improvements/{shown}")}
        _plan_shots(browser, tmp_path, "plan-owner")
        wide["overdue"] = _shoot(browser, use, tmp_path, "register-overdue", "/register?sort=id")
        _sign_in_as(browser, use, "priya@example.org", password_of("priya@example.org"))
        wide["work"] = _shoot(browser, use, tmp_path, "my-work", "/")
        browser.set_window_size(1366, 900)
        mine = browser.find_element(By.ID, "actions").find_element(By.XPATH, "following::table")
        first = mine.find_elements(By.CSS_SELECTOR, "tbody tr")[0]
        assert "Add the rule to the desk's queue" in first.text
        assert "overdue by 13 days" in first.text
        first.find_element(
            By.LINK_TEXT, f"{shown} Restore network incidents within the working day"
        ).click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "table.plan"))
        assert "33 % done" in browser.find_element(By.CSS_SELECTOR, ".rollup").text
        Select(browser.find_element(By.NAME, "status")).select_by_value("done")  # hers: action 2
        browser.find_element(By.CSS_SELECTOR, "#plan-1 button").click()
        # The first action was done already: wait for the page after the form, not for words
        # the page before it also holds (its elements go stale as it is replaced).
        WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda b: "66 % done" in b.find_element(By.CSS_SELECTOR, ".rollup").text
        )
        assert f"done on {TODAY}" in browser.find_element(By.CSS_SELECTOR, "table.plan").text
        assert "overdue" not in browser.find_element(By.CSS_SELECTOR, "table.plan").text
        wide["plan"] = _shoot(browser, use, tmp_path, "plan-assignee", f"/improvements/{shown}")
        _plan_shots(browser, tmp_path, "plan-assignee")
        wide["register"] = _shoot(browser, use, tmp_path, "register", "/register?sort=id")
        assert {page: width for page, width in wide.items() if width > 390} == {}
    finally:
        browser.quit()


def _plan_shots(browser: Any, folder: Path, label: str) -> None:
    """The plan's section alone, at 1366 and 390 px, to look at closely."""
    from selenium.webdriver.common.by import By

    for width in (1366, 390):
        browser.set_window_size(width, 900)
        section = browser.find_element(By.CSS_SELECTOR, "section.plan-tasks")
        section.screenshot(str(folder / f"{label}-section-{width}.png"))
