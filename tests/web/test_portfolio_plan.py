"""The plan form of /portfolio: the proposal as the CLI's, the Accept button for a CI manager
only, an acceptance without the form's CSRF token or by anyone else refused, a CI manager's
recorded in the audit; then in a real Chromium, at 1366 and 390 px (screenshots in tmp_path,
kept with ``--basetemp``)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from ci_workflow.domain.improvement.spec_form import values_of
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.browser import chromium, until_replaced
from tests.helpers import Cli, improvement_doc
from tests.services.register.test_portfolio_plan import register_portfolio
from tests.web.conftest import Workspace, csrf_of, password_of
from tests.web.test_people_admin import _shoot, _sign_in_as

CARMEN, LENA = "carmen@example.org", "lena@example.org"
ASKED = {"quarter": "2027Q1", "budget": "", "hours": "", "measure": "value"}


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _accepted() -> list[AuditEvent]:
    with transaction(write=False) as session:
        query = select(AuditEvent).where(AuditEvent.action == "portfolio_plan_accepted")
        return list(session.exec(query.order_by(col(AuditEvent.id))))


def test_the_proposal_the_button_and_who_may_accept(use: Workspace, tmp_path: Path) -> None:
    cli = Cli()
    register_portfolio(cli, tmp_path)
    before = len(_accepted())  # the workspace (and its register) serves the whole module
    expected = cli.json("portfolio", "plan", "--quarter", "2027Q1")
    lena = use.signed_in(LENA)
    shown = lena.get("/portfolio/plan", params=ASKED)
    assert shown.status_code == 200
    words = _text(shown.text)
    assert (
        "Chosen: 1 , using 30,000 of 50,000 EUR and 500 h of 900 h, for an expected gain of 70,000 EUR"
    ) in words
    for left in expected["left_out"]:
        assert f"{left['id']} {left['title']}: {left['reason']}" in words
    assert 'id="accept"' not in shown.text and "A CI manager accepts a plan." in words
    form = {"csrf": csrf_of(lena, "/portfolio/plan?quarter=2027Q1"), **ASKED}
    assert lena.post("/portfolio/plan/accept", data=form).status_code == 403
    carmen = use.signed_in(CARMEN)
    assert 'id="accept"' in carmen.get("/portfolio/plan", params=ASKED).text
    no_token = carmen.post("/portfolio/plan/accept", data=ASKED)
    assert no_token.status_code == 403
    assert len(_accepted()) == before
    form = {"csrf": csrf_of(carmen, "/portfolio/plan?quarter=2027Q1"), **ASKED}
    done = carmen.post("/portfolio/plan/accept", data=form)
    assert done.status_code == 303
    (event,) = _accepted()[before:]
    assert (event.actor, event.channel) == ("Carmen Ruiz", "web")
    assert event.detail.startswith("plan for 2027Q1 by value: chose IMP-0001; budget 50,000")
    after = _text(carmen.get(done.headers["location"]).text)
    assert "Plan accepted and recorded in the audit: IMP-0001" in after
    assert f"Carmen Ruiz: {event.detail}" in _text(carmen.get("/portfolio").text)


def test_estimated_hours_round_trip_through_the_form(use: Workspace) -> None:
    carmen = use.signed_in(CARMEN)
    doc = improvement_doc(key="form-hours", estimated_hours=250)
    values = values_of(doc)
    assert values["estimated_hours"] == "250"
    made = carmen.post(
        "/improvements/new", data={"csrf": csrf_of(carmen, "/improvements/new"), **values}
    )
    assert made.status_code == 303, made.text
    shown = made.headers["location"].removeprefix("/improvements/")
    assert carmen.get(f"/api/improvements/{shown}/file").json()["estimated_hours"] == 250
    form = carmen.get(f"/improvements/{shown}/edit").text
    assert re.search(r'name="estimated_hours"[^>]*value="250"', form), form


def test_bad_input_on_the_form_is_said_beside_it(use: Workspace, tmp_path: Path) -> None:
    register_portfolio(Cli(), tmp_path)
    lena = use.signed_in(LENA)
    for asked, said in [
        ({"budget": "-5", "hours": "10"}, "budget: -5 is below zero; give an amount of 0 or more"),
        ({"budget": "<b>x</b>", "hours": "1"}, "budget: '<b>x</b>' is not a number"),
        ({"quarter": "2031Q1"}, "quarter: no capacity for 2031Q1 in the strategy"),
    ]:
        answer = lena.get("/portfolio/plan", params=asked)
        assert answer.status_code == 422
        assert said in _text(answer.text)
        assert "<b>x</b>" not in answer.text


def _token(use: Workspace, email: str) -> dict[str, str]:
    answer = httpx.post(
        f"{use.url}/api/tokens", json={"email": email, "password": password_of(email)}
    )
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_the_api_proposes_as_the_cli_and_accepts_for_a_ci_manager(
    use: Workspace, tmp_path: Path
) -> None:
    cli = Cli()
    register_portfolio(cli, tmp_path)
    before = len(_accepted())
    expected = cli.json("portfolio", "plan", "--budget", "60000", "--hours", "1000", "--by", "wsjf")
    lena, carmen = _token(use, LENA), _token(use, CARMEN)
    asked = {"budget": 60000, "hours": 1000, "measure": "wsjf"}
    shown = httpx.get(f"{use.url}/api/portfolio/plan", params=asked, headers=lena)
    assert shown.json() == expected
    bad = httpx.get(
        f"{use.url}/api/portfolio/plan", params={"budget": -1, "hours": 1}, headers=lena
    )
    assert bad.status_code == 400
    url = f"{use.url}/api/portfolio/plan/accept"
    assert httpx.post(url, json=asked, headers=lena).status_code == 403
    assert len(_accepted()) == before
    done = httpx.post(url, json=asked, headers=carmen)
    assert done.status_code == 200
    assert done.json() == {**expected, "accepted_by": "Carmen Ruiz"}
    (event,) = _accepted()[before:]
    assert (event.actor, event.channel) == ("Carmen Ruiz", "api")


@pytest.mark.slow
def test_the_plan_form_and_accept_in_a_browser(use: Workspace, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    register_portfolio(Cli(), tmp_path)
    before = len(_accepted())
    browser = chromium(tmp_path / "profile")
    widths = {}
    try:
        browser.set_window_size(1366, 900)
        _sign_in_as(browser, use, CARMEN, password_of(CARMEN))
        widths["portfolio"] = _shoot(browser, use, tmp_path, "portfolio", "/portfolio")
        quarter = browser.find_element(By.ID, "quarter-2027Q1").text
        assert "1,900 h" in quarter and "700 h over" in quarter and "38,000 over" in quarter
        browser.set_window_size(1366, 900)
        Select(browser.find_element(By.ID, "plan-quarter")).select_by_value("2027Q1")
        button = browser.find_element(By.ID, "propose")
        button.click()
        until_replaced(browser, button)
        totals = browser.find_element(By.ID, "plan-totals").text
        assert totals.startswith("Chosen: 1, using 30,000 of 50,000 EUR and 500 h of 900 h")
        widths["proposal"] = _shoot(browser, use, tmp_path, "portfolio-plan", None)
        browser.set_window_size(1366, 900)
        accept = browser.find_element(By.ID, "accept")
        accept.click()
        until_replaced(browser, accept)
        said = browser.find_element(By.CSS_SELECTOR, ".message").text
        assert said == "Plan accepted and recorded in the audit: IMP-0001"
        widths["accepted"] = _shoot(browser, use, tmp_path, "portfolio-accepted", "/portfolio")
        assert "Plans accepted lately" in browser.page_source
    finally:
        browser.quit()
    assert [(e.actor, e.channel) for e in _accepted()[before:]] == [("Carmen Ruiz", "web")]
    assert {k: w for k, w in widths.items() if w > 390} == {}
