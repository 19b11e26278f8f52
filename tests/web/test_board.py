"""The board (issue 23): the register by stage over HTTP, each card in its stage with figures
worked out here from what the test set up; the filters, "mine", a card moving on when its gate
is decided, the JSON twin, and no wider than a phone in a real Chromium.

Every test keeps to a service of its own: the workspace's register is shared by the module."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from ci_workflow.services.measurement.recording import progress, record
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.plan_actions import set_action_status
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import change_status, get_improvement
from ci_workflow.store.tables import AuditEvent, GateRequest
from tests.browser import chromium
from tests.helpers import move_to
from tests.web.conftest import Workspace, password_of
from tests.web.helpers import new_improvement, waiting_at_plan_approval

STAGES = [
    "identified",
    "defined",
    "planned",
    "awaiting_approval",
    "approved",
    "executing",
    "in_review",
    "consolidating",
    "closed",
]
TODAY = utcnow().date()


def a_service() -> str:
    return f"Board {uuid.uuid4().hex[:8]}"


def number(shown: str) -> int:
    return int(shown.split("-")[1])


def board_json(client: httpx.Client, **query: str) -> dict[str, Any]:
    answer = client.get("/api/board", params=query)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def cards_by_stage(board: dict[str, Any]) -> dict[str, list[str]]:
    return {c["status"]: [card["id"] for card in c["cards"]] for c in board["columns"]}


def page_stages(client: httpx.Client, **query: str) -> dict[str, tuple[int, list[str], str]]:
    """Each stage of the page as a person sees it: its count, its cards' ids, its text."""
    answer = client.get("/board", params=query)
    assert answer.status_code == 200, answer.text
    found = {}
    for part in answer.text.split('<section class="stage" id="stage-')[1:]:
        status, body = part.split('"', 1)
        count = re.search(r'<span class="count">(\d+)</span></h2>', body)
        assert count, body
        cards = re.findall(r'<article class="board-card" id="card-([A-Z]+-\d+)"', body)
        found[status] = (int(count.group(1)), cards, html.unescape(re.sub(r"<[^>]+>", " ", body)))
    return found


def backdate(shown: str, status: str, days: float) -> datetime:
    """The improvement moved to ``status`` ``days`` ago (its trail says so)."""
    at = utcnow() - timedelta(days=days)
    with transaction() as session:
        session.execute(
            update(AuditEvent)
            .where(col(AuditEvent.improvement_id) == number(shown))
            .where(col(AuditEvent.to_status) == status)
            .values(at=at)
        )
    return at


def test_cards_land_in_their_stage_with_their_figures(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    plan = [
        {"action": "Late", "owner": "Priya Nair", "due": "2026-01-15"},
        {"action": "Late but done", "owner": "Priya Nair", "due": "2026-01-16", "status": "done"},
        {"action": "Not yet due", "owner": "Priya Nair", "due": "2099-01-01"},
    ]
    fresh = new_improvement(use, tmp_path, service=service, plan=plan)
    waiting = waiting_at_plan_approval(use, tmp_path, service=service)
    measured = new_improvement(use, tmp_path, service=service, strategic_impact=5, feasibility=5)
    move_to("executing", measured)
    entered = backdate(measured, "executing", 5)
    opened = utcnow() - timedelta(days=2)
    with transaction() as session:
        session.execute(
            update(GateRequest)
            .where(col(GateRequest.improvement_id) == number(waiting))
            .values(opened_at=opened)
        )
    lena = Actor("cli", "os:tests", person_view_of("lena@example.org"))
    for days_ago, value in ((20, 9.5), (1, 9.4)):  # barely falling: 6 h by March is out of reach
        at = utcnow() - timedelta(days=days_ago)
        record(measured, "mttr_hours", value, actor=lena, at=at, baseline=False)
    off_track = sum(p.track == "off track" for p in progress(measured)[1])
    overdue = sum(
        1 for a in plan if date.fromisoformat(a["due"]) < TODAY and a.get("status") != "done"
    )
    assert (off_track, overdue) == (1, 1)

    client = use.signed_in("priya@example.org")
    board = board_json(client, service=service)
    assert [c["status"] for c in board["columns"]] == STAGES
    placed = cards_by_stage(board)
    assert placed["identified"] == [fresh] and placed["awaiting_approval"] == [waiting]
    assert placed["executing"] == [measured]
    assert sum(len(ids) for ids in placed.values()) == 3
    cards = {card["id"]: card for c in board["columns"] for card in c["cards"]}
    assert cards[fresh]["overdue_actions"] == overdue and cards[fresh]["off_track"] is None
    assert cards[waiting]["gate"] == "plan_approval" and cards[fresh]["gate"] is None
    assert datetime.fromisoformat(cards[waiting]["waiting_since"]) == opened
    assert cards[waiting]["waiting_days"] == pytest.approx(2.0, abs=0.01)
    assert datetime.fromisoformat(cards[measured]["in_stage_since"]) == entered
    assert cards[measured]["days_in_stage"] == pytest.approx(5.0, abs=0.01)
    assert cards[measured]["off_track"] == off_track and cards[measured]["priority"] == 25
    assert cards[measured]["owner"] == "Lena Fischer"
    # The page says the same.
    stages = page_stages(client, service=service)
    assert list(stages) == STAGES
    assert "1 plan action overdue" in stages["identified"][2]
    assert "Waits at plan approval for 2 days" in stages["awaiting_approval"][2]
    assert "5 days in this stage" in stages["executing"][2]
    assert "1 objective off track" in stages["executing"][2]


def test_the_json_twin_holds_what_the_page_shows(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    for _ in range(3):
        new_improvement(use, tmp_path, service=service)
    waiting_at_plan_approval(use, tmp_path, service=service)
    client = use.signed_in("omar@example.org")
    for query in ({"service": service}, {"service": service, "per": "2", "ended": "true"}):
        board = board_json(client, **query)
        shown = page_stages(client, **query)
        assert {
            c["status"]: (c["count"], [x["id"] for x in c["cards"]]) for c in board["columns"]
        } == {status: (count, cards) for status, (count, cards, _) in shown.items()}
    assert httpx.get(f"{use.url}/api/board").status_code == 401  # the same door as the page


def test_a_stage_shows_its_highest_priorities_and_links_to_the_rest(
    use: Workspace, tmp_path: Path
) -> None:
    service = a_service()
    made = [new_improvement(use, tmp_path, service=service, feasibility=f) for f in (2, 5, 3)]
    client = use.signed_in("priya@example.org")
    board = board_json(client, service=service, per="2")
    identified = board["columns"][0]
    assert identified["count"] == 3 and identified["more"] == 1
    assert [c["id"] for c in identified["cards"]] == [made[1], made[2]]  # priority 20, then 12
    page = client.get("/board", params={"service": service, "per": "2"}).text
    link = re.search(r'<a href="(/register\?[^"]+)">and 1 more</a>', page)
    assert link, page
    register = client.get(html.unescape(link.group(1))).text
    assert "3 improvements" in register and all(shown in register for shown in made)


def test_filters_by_process_owner_and_ended(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    ours = new_improvement(use, tmp_path, service=service)
    theirs = new_improvement(
        use, tmp_path, service=service, process="Service Request Management", owner="Priya Nair"
    )
    withdrawn = new_improvement(use, tmp_path, service=service)
    with transaction() as session:
        change_status(
            session,
            get_improvement(session, withdrawn),
            Status.withdrawn,
            actor="test",
            reason="test",
        )
    client = use.signed_in("carmen@example.org")

    def shown(**query: str) -> set[str]:
        found = cards_by_stage(board_json(client, **{"service": service, **query}))
        return {i for ids in found.values() for i in ids}

    assert shown() == {ours, theirs}
    assert shown(process="service request management") == {theirs}
    assert shown(owner="Lena Fischer") == {ours}
    assert shown(ended="true") == {ours, theirs, withdrawn}
    assert cards_by_stage(board_json(client, service=service, ended="true"))["withdrawn"] == [
        withdrawn
    ]
    assert shown(service="no such service") == set()


def test_mine_is_what_i_own_am_in_the_team_of_or_may_decide(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    owned = new_improvement(use, tmp_path, service=service, owner="Grace Kim")
    in_team = new_improvement(use, tmp_path, service=service, team=["Lena Fischer", "Grace Kim"])
    to_decide = waiting_at_plan_approval(
        use, tmp_path, service=service, process="Service Request Management"
    )
    omars = waiting_at_plan_approval(use, tmp_path, service=service)  # Incident Management
    someone_elses = new_improvement(use, tmp_path, service=service)
    grace = use.signed_in("grace@example.org")
    every = cards_by_stage(board_json(grace, service=service))
    assert sorted(i for ids in every.values() for i in ids) == sorted(
        [owned, in_team, to_decide, omars, someone_elses]
    )
    mine = cards_by_stage(board_json(grace, service=service, mine="true"))
    assert sorted(i for ids in mine.values() for i in ids) == sorted([owned, in_team, to_decide])
    # The same form, sent as a browser sends a ticked box.
    page = grace.get("/board", params={"service": service, "mine": "true"}).text
    assert 'name="mine" value="true" checked' in page
    assert omars not in page and to_decide in page


def test_a_card_moves_on_when_its_gate_is_decided(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    shown = waiting_at_plan_approval(use, tmp_path, service=service)
    client = use.signed_in("omar@example.org")
    before = page_stages(client, service=service)
    assert before["awaiting_approval"][:2] == (1, [shown]) and before["approved"][:2] == (0, [])
    decide_gate(number(shown), "plan_approval", 1, {"by": "Omar Haddad", "decision": "approve"})
    after = page_stages(client, service=service)
    assert after["awaiting_approval"][:2] == (0, []) and after["approved"][:2] == (1, [shown])
    assert "Waits at" not in after["approved"][2]


def test_a_board_seen_again_follows_what_changed_since(use: Workspace, tmp_path: Path) -> None:
    service = a_service()
    plan = [{"action": "Late", "owner": "Priya Nair", "due": "2026-01-15"}]
    late = new_improvement(use, tmp_path, service=service, plan=plan)
    priya = use.signed_in("priya@example.org")
    before = board_json(priya, service=service)
    assert board_json(priya, service=service) == before  # the same board, seen again
    (card,) = [card for c in before["columns"] for card in c["cards"]]
    assert (card["id"], card["overdue_actions"]) == (late, 1)
    lena = Actor("cli", "os:tests", person_view_of("lena@example.org"))
    set_action_status(late, 0, "done", actor=lena)
    other = new_improvement(use, tmp_path, service=service, strategic_impact=5, feasibility=5)
    after = board_json(priya, service=service)
    cards = {card["id"]: card for c in after["columns"] for card in c["cards"]}
    assert cards[late]["overdue_actions"] == 0
    assert cards_by_stage(after)["identified"] == [other, late]  # the higher priority first


@pytest.mark.slow
def test_the_board_is_no_wider_than_a_phone(use: Workspace, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    service = a_service()
    long = waiting_at_plan_approval(use, tmp_path, service=service, title="A title " + "long" * 30)
    new_improvement(use, tmp_path, service=service)
    browser = chromium(tmp_path / "profile")
    try:
        browser.set_window_size(390, 844)
        browser.get(f"{use.url}/sign-in")
        assert browser.execute_script("return window.innerWidth") == 390
        browser.find_element(By.ID, "email").send_keys("carmen@example.org")
        browser.find_element(By.ID, "password").send_keys(password_of("carmen@example.org"))
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda b: "/sign-in" not in b.current_url)
        widths = {}
        for query in ("", f"?service={service.replace(' ', '+')}&ended=true"):
            browser.get(f"{use.url}/board{query}")
            WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "stage-closed"))
            widths[query] = browser.execute_script("return document.body.scrollWidth")
        assert all(width <= 390 for width in widths.values()), widths
        # Without script the filters still work: tick "mine", send the form.
        browser.find_element(By.NAME, "mine").click()
        browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda b: "mine=true" in b.current_url)
        assert browser.find_elements(By.ID, f"card-{long}")  # a CI manager may decide it
    finally:
        browser.quit()
