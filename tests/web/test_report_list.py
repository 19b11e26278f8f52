"""The improvement page lists its saved reports newest first, each with words saying which it
is (an interim report at a review attempt, the final review, whether the gain held) and its
HTML and Markdown; a report saved under an older name is still listed and served. The list at
1366 and 390 px in a real Chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from ci_workflow.domain.clock import utcnow
from ci_workflow.services.reporting.delivery import deliver_review
from ci_workflow.services.reporting.files import save_file
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Report
from tests.browser import chromium
from tests.helpers import move_to
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement
from tests.web.test_people_admin import _shoot, _sign_in_as

LENA = "lena@example.org"


def reported(space: Workspace, folder: Path) -> int:
    """An improvement with an old-named report (three days ago), two review rounds and its
    final review, as the lifecycle delivers them."""
    shown = new_improvement(space, folder)
    number = int(shown.split("-")[1])
    old = get_settings().home_dir / "reports" / f"{shown.lower()}-review.html"
    save_file("<p>old</p>", old, improvement_id=number, kind="review", fmt="html")
    move_to("in_review", shown)
    for kind in ("review-1", "review-2"):
        deliver_review(number, kind)
    move_to("closed", shown)
    deliver_review(number, "final")
    with transaction() as session:  # the rounds and the old one were made days apart
        for report in session.exec(select(Report).where(Report.improvement_id == number)):
            back = {"review": 3, "interim-1": 2, "interim-2": 1}.get(report.kind, 0)
            report.created_at = utcnow() - timedelta(days=back)
            session.add(report)
    return number


def test_the_reports_are_listed_newest_first_with_which_is_which(
    use: Workspace, tmp_path: Path
) -> None:
    number = reported(use, tmp_path)
    lena = use.signed_in(LENA, password_of(LENA))
    page = lena.get(f"/improvements/{number}").text
    listed = re.search(r'<ul class="report-list">(.*?)</ul>', page, re.S)
    assert listed
    items = [
        re.sub(r"<[^>]+>", "", li).split(",")[0]
        for li in re.findall(r"<li>(.*?)</li>", listed.group(1))
    ]
    assert items == [
        "Final review",
        "Interim report at review",
        "Interim report at review",
        "Interim report",
    ]
    assert "attempt 2" in listed.group(1).split("<li>")[2]
    assert listed.group(1).count("Markdown") == 3  # the old one was HTML only
    reports = lena.get(f"/api/improvements/{number}").json()["reports"]
    assert [r["kind"] for r in reports][:2] == ["final", "final"]
    assert reports[0]["label"].startswith("Final review, ")
    (old,) = [r for r in reports if r["kind"] == "review"]
    assert old["label"].startswith("Interim report, on request, ")
    assert lena.get(f"/reports/{old['id']}").text == "<p>old</p>"  # still served


@pytest.mark.slow
def test_the_report_list_at_1366_and_390_px(use: Workspace, tmp_path: Path) -> None:
    number = reported(use, tmp_path)
    browser = chromium(tmp_path / "profile")
    try:
        _sign_in_as(browser, use, LENA, password_of(LENA))
        width = _shoot(browser, use, tmp_path, "reports", f"/improvements/{number}#reports")
    finally:
        browser.quit()
    assert width <= 390
