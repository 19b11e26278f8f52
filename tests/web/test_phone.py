"""Phone-ready (issue 23): at 390 px no page is wider than the screen, in a real Chromium; wide
tables scroll in their own box and charts scale to the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from tests.browser import chromium
from tests.helpers import Cli, move_to
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement, waiting_at_plan_approval

STRATEGY = Path(__file__).resolve().parents[1] / "services" / "register" / "strategy.yaml"


@pytest.mark.slow
def test_no_page_is_wider_than_a_phone(use: Workspace, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    waiting = waiting_at_plan_approval(use, tmp_path, title="A title " + "long" * 30)
    decided = waiting_at_plan_approval(use, tmp_path)
    decide_gate(
        int(decided.split("-")[1]), "plan_approval", 1, {"by": "Omar Haddad", "decision": "approve"}
    )
    closed = new_improvement(use, tmp_path)
    move_to("closed", closed)
    Cli().ok("strategy", "apply", str(STRATEGY))
    new_improvement(use, tmp_path, serves=["restore-faster"], programme="network-resilience")
    browser = chromium(tmp_path / "profile")
    try:
        browser.set_window_size(390, 844)
        browser.get(f"{use.url}/sign-in")
        assert browser.execute_script("return window.innerWidth") == 390  # a phone's viewport
        browser.find_element(By.ID, "email").send_keys("carmen@example.org")
        browser.find_element(By.ID, "password").send_keys(password_of("carmen@example.org"))
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda b: "/sign-in" not in b.current_url)
        pages = [
            "/",
            "/register",
            "/opportunities",
            "/practice",
            "/portfolio",
            "/strategy",
            "/people",
            "/me",
            *(f"/improvements/{shown}" for shown in (waiting, decided, closed)),
        ]
        wide, cued = {}, {}
        for page in pages:
            browser.get(f"{use.url}{page}")
            WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.TAG_NAME, "main"))
            width = browser.execute_script("return document.body.scrollWidth")
            if width > 390:
                wide[page] = width
            cued[page] = browser.execute_script(
                "return [...document.querySelectorAll('table')]"
                ".filter(t => t.scrollWidth > t.clientWidth)"
                ".map(t => getComputedStyle(t).backgroundAttachment.includes('local'))"
            )
        assert wide == {}
        # A table wider than the phone scrolls in its box, and a shadow says there is more.
        assert cued["/register"] and all(all(shown) for shown in cued.values()), cued
    finally:
        browser.quit()
