"""A gate once decided looks decided (issue 22): the page says what was decided and by whom,
refreshes itself (no script) while the flow moves on, offers no buttons for that gate, and a
second click says "you already decided" rather than blaming someone else."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update
from sqlmodel import col

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.lifecycle.decide import claim, prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import GateDecision
from tests.web.conftest import Workspace, csrf_of
from tests.web.helpers import waiting_at_plan_approval

REFRESH = '<meta http-equiv="refresh" content="3">'


def decide(client: httpx.Client, shown: str, decision: str, gate: str, **fields: str) -> str:
    """Click a decision button of the page as it was loaded (its CSRF token and gate), and read
    the page it leads back to."""
    token = csrf_of(client, "/me")
    form = {"csrf": token, "decision": decision, "gate": gate, **fields}
    answer = client.post(f"/improvements/{shown}/decide", data=form)
    assert answer.status_code == 303
    return client.get(answer.headers["location"]).text


def sent_by_omar(shown: str) -> None:
    """What the workspace does on Approve before Prefect takes it: checked, signed, claimed."""
    omar = Actor("web", "omar@example.org", person_view_of("omar@example.org"))
    claim(prepare_decision(shown, Gate.plan_approval, "approve", actor=omar))


def test_a_decision_on_its_way_shows_as_decided_with_no_buttons(
    use: Workspace, tmp_path: Path
) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    sent_by_omar(shown)
    omar = use.signed_in("omar@example.org")
    page = omar.get(f"/improvements/{shown}").text
    assert "Plan approval 1: decided by Omar Haddad" in page
    assert REFRESH in page and "this page refreshes itself" in page
    assert f'action="/improvements/{shown}/decide"' not in page
    # A second click, from the page as it was before: his own decision, not somebody else's.
    again = decide(omar, shown, "approve", "plan-approval-1")
    assert f"you already decided {shown}&#39;s plan-approval-1" in again
    assert "another decision reached" not in again


def test_once_the_flow_took_it_the_page_says_what_was_decided_until_it_moves_on(
    use: Workspace, tmp_path: Path
) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    number = int(shown.split("-")[1])
    approve = {"by": "Omar Haddad", "decision": "approve"}
    assert decide_gate(number, "plan_approval", 1, approve).outcome is Outcome.taken
    omar = use.signed_in("omar@example.org")
    page = omar.get(f"/improvements/{shown}").text
    assert "Plan approval 1: approved by Omar Haddad" in page and REFRESH in page
    again = decide(omar, shown, "approve", "plan-approval-1")
    assert "you already decided plan-approval-1: approve" in again
    # Long after, the flow never moved on: the page says so and stops refreshing.
    with transaction() as session:
        session.execute(
            update(GateDecision)
            .where(col(GateDecision.improvement_id) == number)
            .values(decided_at=utcnow() - timedelta(minutes=11))
        )
    page = omar.get(f"/improvements/{shown}").text
    assert "the flow has not moved on since" in page and REFRESH not in page


def test_a_missing_comment_is_asked_for_in_words_not_flags(use: Workspace, tmp_path: Path) -> None:
    shown = waiting_at_plan_approval(use, tmp_path)
    omar = use.signed_in("omar@example.org")
    page = decide(omar, shown, "reject", "plan-approval-1")
    (said,) = re.findall(r'<p class="message error" role="status">([^<]*)</p>', page)
    assert said == "To reject, write the comment first."
