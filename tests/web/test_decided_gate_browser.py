"""A second click on a decided gate, in a real Chromium (issue 22): Omar has the improvement open
at its plan approval; meanwhile his Approve from another tab goes through (the workspace's own
path: checked, signed, claimed). His click on the page still open is told "you already decided",
not that someone else did, and the page then shows the gate decided, with no buttons, refreshing
itself. Screenshots of both pages at 1366 and 390 px are left in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import waiting_at_plan_approval
from tests.web.test_decided_gate import REFRESH, sent_by_omar
from tests.web.test_people_admin import _shoot, _sign_in_as
from tests.web.test_record_and_withdraw_browser import _until


@pytest.mark.slow
def test_a_second_click_from_a_page_left_open_is_told_you_already_decided(
    use: Workspace, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shown = waiting_at_plan_approval(use, tmp_path)
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, "omar@example.org", password_of("omar@example.org"))
        widths = {"open": _shoot(browser, use, tmp_path, "gate-open", f"/improvements/{shown}")}
        browser.set_window_size(1366, 900)
        approve = browser.find_element(By.CSS_SELECTOR, "#decide button[value=approve]")
        sent_by_omar(shown)  # his Approve from the other tab
        approve.click()
        said = _until(browser, ".message", "already decided")
        assert said == (
            f"you already decided {shown}'s plan-approval-1; the flow is taking your decision"
        )
        assert "another decision" not in browser.page_source
        box = _until(browser, "#decided", "decided by Omar Haddad")
        assert box.startswith("Plan approval 1: decided by Omar Haddad")
        assert not browser.find_elements(By.CSS_SELECTOR, "#decide button")
        assert REFRESH.replace('"', "") in browser.page_source.replace('"', "")
        widths["decided"] = _shoot(browser, use, tmp_path, "gate-decided", None)
    finally:
        browser.quit()
    assert max(widths.values()) <= 390, widths  # no page wider than the phone
