"""The rework loop in a real Chromium (issue 22): a CI manager registers an improvement from the
form (one problem shown beside its field, the form kept as typed); the process owner sends it
back for rework; the owner sees the request, edits an objective's target and resubmits; the
approver sees what changed since the last decision, field by field, with every comment of the
loop. Decisions are taken by ``decide_gate`` as the flow takes them (no Prefect server here).
Screenshots of each page at 1366 and 390 px are left in tmp_path (``--basetemp`` keeps them);
at 390 px no page is wider than the screen."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from tests.web.conftest import Workspace, password_of
from tests.web.test_people_admin import _shoot, _sign_in_as

FIELDS = {
    "key": "browser-made",
    "title": "Restore network incidents faster",
    "vision": "Network incidents are restored the same day.",
    "process": "Incident Management",
    "owner": "Lena Fischer",
    "strategic_impact": "4",
    "feasibility": "3",
    "objectives[0].metric": "mttr_hours",
    "objectives[0].unit": "h",
    "objectives[0].window": "30d",
    "objectives[0].baseline": "9.5",
    "objectives[0].target": "6",
    "plan[0].action": "Add a routing rule",
    "plan[0].owner": "Priya Nair",
}


def _fill(browser: Any, fields: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def _choose(browser: Any, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.NAME, name)).select_by_value(value)


def _date(browser: Any, name: str, value: str) -> None:
    """A date input, set as its picker would."""
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1]", element, value)


def _save(browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "p.actions button[name=save]").click()


def _text(browser: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.CSS_SELECTOR, css).text)


@pytest.mark.slow
def test_create_rework_edit_resubmit_and_the_approver_sees_the_diff(
    use: Workspace, tmp_path: Path
) -> None:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = Options()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=options)
    wide: dict[str, int] = {}

    def shoot(label: str, path: str | None = None) -> None:
        wide[label] = _shoot(browser, use, tmp_path, label, path)

    try:
        browser.set_window_size(1366, 900)
        _sign_in_as(browser, use, "carmen@example.org", password_of("carmen@example.org"))
        browser.get(f"{use.url}/register")
        browser.find_element(By.LINK_TEXT, "New improvement").click()
        WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/improvements/new"))
        shoot("new")
        browser.set_window_size(1366, 900)
        _fill(browser, FIELDS)
        _choose(browser, "type", "incremental")
        _choose(browser, "objectives[0].direction", "decrease")
        _date(browser, "identified", "2026-11-02")
        _date(browser, "objectives[0].due", "2026-10-01")  # before it was identified
        _save(browser)
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CLASS_NAME, "field-error"))
        due = browser.find_element(By.ID, "objectives[0].due-error")
        assert due.text == "due date 2026-10-01 must be after the identification date 2026-11-02"
        assert browser.find_element(By.NAME, "title").get_attribute("value") == FIELDS["title"]
        assert browser.find_element(By.NAME, "objectives[0].target").get_attribute("value") == "6"
        shoot("new-refused")
        browser.set_window_size(1366, 900)
        _date(browser, "objectives[0].due", "2027-03-31")
        _save(browser)
        WebDriverWait(browser, 30).until(lambda b: "/improvements/IMP-" in b.current_url)
        shown = browser.current_url.rsplit("/", 1)[-1]
        assert f"{shown} registered: browser-made" in _text(browser, "main")

        # The flow takes it to plan approval; the process owner sends it back for rework.
        number, run = int(shown.split("-")[1]), str(uuid.uuid4())
        define_stage(number, run)
        open_gate(number, "plan_approval", 1, run)
        rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Aim for 5 hours"}
        assert decide_gate(number, "plan_approval", 1, rework).outcome is Outcome.taken
        open_gate(number, "resubmitted", 1, run)

        # The owner sees the request, edits the target, and resubmits.
        _sign_in_as(browser, use, "lena@example.org", password_of("lena@example.org"))
        browser.get(f"{use.url}/improvements/{shown}")
        assert "Aim for 5 hours" in _text(browser, "#rework")
        resubmit = _text(browser, "#decide")
        assert "Rework asked by Omar Haddad: Aim for 5 hours" in resubmit.replace("“", "").replace(
            "”", ""
        ).replace('"', "")
        assert "nothing changed since the rework" in resubmit
        shoot("rework", f"/improvements/{shown}")
        browser.set_window_size(1366, 900)
        browser.find_element(By.LINK_TEXT, "Edit").click()
        WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/edit"))
        _fill(browser, {"objectives[0].target": "5"})
        shoot("edit")
        browser.set_window_size(1366, 900)
        _save(browser)
        WebDriverWait(browser, 30).until(lambda b: not b.current_url.endswith("/edit"))
        assert "objectives changed" in _text(browser, "main")
        assert "mttr_hours.target 6 5" in _text(browser, "#rework").replace("→", "").replace(
            "  ", " "
        )
        assert "what you changed, for the approver" in _text(browser, "#decide")
        answer = {"by": "Lena Fischer", "decision": "resubmit", "comment": "Target now 5 hours"}
        assert decide_gate(number, "resubmitted", 1, answer).outcome is Outcome.taken
        open_gate(number, "plan_approval", 2, run)

        # The approver, at the next attempt, sees what changed and every comment of the loop.
        _sign_in_as(browser, use, "omar@example.org", password_of("omar@example.org"))
        browser.get(f"{use.url}/improvements/{shown}")
        loop = _text(browser, "#rework")
        assert "Changed since the last decision" in loop
        row = browser.find_element(By.CSS_SELECTOR, "#rework table.changes tbody tr")
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[:3] == ["mttr_hours.target", "6", "5"]
        assert "Aim for 5 hours" in loop and "Target now 5 hours" in loop
        assert "attempt 2" in _text(browser, "#decide")
        shoot("resubmitted", f"/improvements/{shown}")
    finally:
        browser.quit()
    assert {label: width for label, width in wide.items() if width > 390} == {}
