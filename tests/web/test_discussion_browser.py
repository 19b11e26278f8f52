"""Talking about an improvement in a real Chromium: a comment with an @mention is posted from
the page and appears (and the person mentioned is e-mailed); following it shows the follower;
a file attached from the page is listed and downloads byte-identical with the session's cookie;
a file that is not what its name says is refused in words and nothing is kept. Screenshots of
the page's comments, watchers and attachments at 1366 and 390 px are left in tmp_path
(``--basetemp`` keeps them); at 390 px the page is no wider than the screen."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests import processes
from tests.browser import chromium
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement
from tests.web.test_people_admin import _sign_in_as

CSV = "week;mttr_hours\n2026-W44;9.4\n2026-W45;8.7\nÖsterreich;—\n".encode()


def _wait_for(browser: Any, css: str, text: str = "") -> Any:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(b: Any) -> Any:
        found = [e for e in b.find_elements(By.CSS_SELECTOR, css) if text in e.text]
        return found[0] if found else False

    # A page that reloads while it is read leaves stale elements: read it again.
    return WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        shown
    )


def _submit(browser: Any, form: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()


def _shots(browser: Any, folder: Path, label: str, anchor: str = "watchers") -> int:
    """The discussion at 1366 and 390 px, scrolled to it; how wide the page is at 390."""
    widest = 0
    for width, height in ((1366, 1400), (390, 1600)):
        browser.set_window_size(width, height)
        browser.execute_script(f"document.getElementById('{anchor}').scrollIntoView()")
        browser.save_screenshot(str(folder / f"{label}-{width}.png"))
        widest = int(browser.execute_script("return document.body.scrollWidth"))
    return widest


@pytest.mark.slow
def test_comment_mention_follow_and_attach_from_the_page(use: Workspace, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    shown = new_improvement(use, tmp_path, title="Cut the time to restore network incidents")
    page = f"{use.url}/improvements/{shown}"
    evidence, lying = tmp_path / "mttr by week.csv", tmp_path / "minutes.pdf"
    chart = tmp_path / "week 44.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    evidence.write_bytes(CSV)
    lying.write_text("<html><script>alert(1)</script></html>")
    browser = chromium(tmp_path / "profile")
    try:
        browser.set_window_size(1366, 1400)
        _sign_in_as(browser, use, "carmen@example.org", password_of("carmen@example.org"))
        browser.get(f"{page}#comments")
        box = browser.find_element(By.ID, "comment-body")
        box.send_keys("@lena-fischer can you check the baseline of week 44?")
        box.send_keys("\n\nIt looks <high> to me: https://example.org/q?x=1")
        browser.find_element(By.ID, "comment-file").send_keys(str(chart))
        _submit(browser, "#comment-form")
        said = _wait_for(browser, "article.comment", "can you check the baseline")
        assert "It looks <high> to me: https://example.org/q?x=1" in said.text
        (link,) = said.find_elements(By.TAG_NAME, "a")  # the file's; the URL is shown as text
        assert link.text == "week 44.png"
        assert use.mailbox is not None
        processes.wait_until(
            lambda: any(m["To"] == "lena@example.org" for m in use.mailbox.received),
            timeout=30,
            what="the mention's e-mail",
        )

        _submit(browser, "#follow-form")
        _wait_for(browser, "#discussion p", "Followed by Carmen Ruiz")

        browser.find_element(By.ID, "attach-file").send_keys(str(evidence))
        _submit(browser, "#attach-form")
        link = _wait_for(browser, "ul.attachments a", "mttr by week.csv")
        cookie = browser.get_cookie("improve_session")["value"]
        request = urllib.request.Request(
            link.get_attribute("href"), headers={"Cookie": f"improve_session={cookie}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.read() == CSV
            assert answer.headers["Content-Disposition"].startswith("attachment;")

        browser.find_element(By.ID, "attach-file").send_keys(str(lying))
        _submit(browser, "#attach-form")
        _wait_for(browser, ".message.error", "file: 'minutes.pdf' does not hold what a .pdf")
        rows = browser.find_elements(By.CSS_SELECTOR, "ul.attachments li")
        names = [r.find_element(By.TAG_NAME, "a").text for r in rows]
        assert names == ["week 44.png", "mttr by week.csv"]
        assert _shots(browser, tmp_path, "discussion") <= 390

        browser.find_element(By.ID, "comment-body").send_keys("Agreed, @zed-nobody")
        _submit(browser, "#comment-form")
        _wait_for(browser, "#comment-error", "comment: @zed-nobody is nobody in the register")
        kept = browser.find_element(By.ID, "comment-body").get_attribute("value")
        assert kept == "Agreed, @zed-nobody"
        assert len(browser.find_elements(By.CSS_SELECTOR, "article.comment")) == 1
        assert _shots(browser, tmp_path, "comment-refused", "comment-form") <= 390
    finally:
        browser.quit()
