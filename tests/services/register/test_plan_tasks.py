"""Plan actions as tasks, through the use cases: the done date set and cleared, who may change
what, the read-only plan of an ended improvement, the file's round trip, the overdue reminder
sent once per due date on a real SMTP server, and the flag and roll-up in My work and the
register."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.authority.actors import Actor, operating_system, signed_in
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import NotAuthorised, UsageError
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.apply import apply_documents
from ci_workflow.services.register.browse import register_page, show_improvement
from ci_workflow.services.register.plan_actions import ActionChange, update_action
from ci_workflow.services.register.plan_reminders import remind_overdue_actions
from ci_workflow.services.views.improvement_file import improvement_file
from ci_workflow.services.views.improvement_page import improvement_page
from ci_workflow.services.views.my_work import my_work
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import change_status, get_improvement
from tests.helpers import Cli, improvement_doc, move_to, write_yaml
from tests.services.conftest import Outbox, body

TODAY = utcnow().date()
ADMIN = operating_system("tests")


def who(email: str) -> Actor:
    return signed_in(person_view_of(email))


def end(ref: str, how: str) -> None:
    """Closed through every stage, or withdrawn where it stands."""
    if how == "closed":
        move_to("closed", ref)
        return
    with transaction() as session:
        improvement = get_improvement(session, ref)
        change_status(session, improvement, Status.withdrawn, actor="tests", reason="tests")


def registered(cli: Cli, folder: Path, key: str = "network-mttr", **fields: Any) -> str:
    plan = fields.pop(
        "plan",
        [
            {"action": "Add a routing rule", "owner": "Priya Nair", "due": TODAY - timedelta(13)},
            {"action": "Train the desk", "owner": "Priya Nair", "due": TODAY},
            {"action": "Retire the old queue", "owner": "Lena Fischer", "status": "cancelled"},
        ],
    )
    doc = improvement_doc(key=key, plan=[{**a, "due": a.get("due")} for a in plan], **fields)
    for action in doc["plan"]:
        if action["due"] is None:
            del action["due"]
    cli.ok("apply", str(write_yaml(folder, doc)))
    return show_improvement(key).id


def test_done_records_the_day_and_reopening_clears_it(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    shown = registered(cli, tmp_path)
    priya = who("priya@example.org")
    assert update_action(shown, 0, ActionChange(status="done"), actor=priya) == (
        f"{shown} action 1: done"
    )
    first = show_improvement(shown).plan[0]
    assert (first.status, first.done_on, first.overdue) == ("done", TODAY, "")
    update_action(shown, 0, ActionChange(status="in_progress"), actor=priya)
    again = show_improvement(shown).plan[0]
    assert (again.done_on, again.overdue) == (None, "overdue by 13 days")
    trail = [e for e in cli.json("audit", shown) if e["action"] == "plan_progress"]
    assert [e["detail"] for e in trail] == [
        "'Add a routing rule': status 'planned' → 'done'",
        "'Add a routing rule': status 'done' → 'in_progress'",
    ]
    assert {(e["actor"], e["channel"]) for e in trail} == {("Priya Nair", "web")}


def test_the_assignee_sets_the_status_and_an_editor_reassigns_and_reschedules(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    shown = registered(cli, tmp_path)
    priya, lena, grace = (who(f"{n}@example.org") for n in ("priya", "lena", "grace"))
    with pytest.raises(NotAuthorised, match="may not reassign it or move its due date"):
        update_action(shown, 0, ActionChange(assignee="Lena Fischer"), actor=priya)
    with pytest.raises(NotAuthorised, match="may not change its status"):
        update_action(shown, 0, ActionChange(status="done"), actor=grace)
    with pytest.raises(UsageError, match=r"^assignee: nobody named 'Nobody' is in the register"):
        update_action(shown, 0, ActionChange(status="done", assignee="Nobody"), actor=lena)
    with pytest.raises(UsageError, match=r"^status: unknown 'finished'"):
        update_action(shown, 0, ActionChange(status="finished"), actor=lena)
    untouched = show_improvement(shown).plan[0]
    assert (untouched.owner, untouched.status) == ("Priya Nair", "planned")
    later = TODAY + timedelta(7)
    update_action(shown, 0, ActionChange(assignee="Lena Fischer", due=later), actor=lena)
    moved = show_improvement(shown).plan[0]
    assert (moved.owner, moved.due, moved.overdue) == ("Lena Fischer", later, "")
    update_action(shown, 0, ActionChange(due=None), actor=lena)
    assert show_improvement(shown).plan[0].due is None
    refusals = [e for e in cli.json("audit", shown) if e["action"] == "forbidden"]
    assert [e["actor"] for e in refusals] == ["Priya Nair", "Grace Kim"]


@pytest.mark.parametrize("ending", ["closed", "withdrawn"])
def test_an_ended_improvements_plan_is_read_only(
    cli: Cli, people: None, tmp_path: Path, ending: str
) -> None:
    shown = registered(cli, tmp_path)
    end(shown, ending)
    with pytest.raises(UsageError, match=f"^{shown} is {ending}: its plan is read-only"):
        update_action(shown, 0, ActionChange(status="done"), actor=ADMIN)
    page = improvement_page(shown, who("lena@example.org"))
    assert (page.editable_actions, page.may_plan, page.assignees) == ([], False, [])
    assert [a.overdue for a in page.improvement.plan] == ["", "", ""]
    assert my_work(person_view_of("priya@example.org")).actions == []


def test_the_file_keeps_its_round_trip_and_the_done_dates(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    shown = registered(cli, tmp_path)
    update_action(shown, 0, ActionChange(status="done"), actor=who("priya@example.org"))
    held = improvement_file(shown)
    assert "done_on" not in held.text and "reminded" not in held.text
    (same,) = apply_documents([("again.yaml", held.text)], actor=ADMIN)
    assert same.outcome == "unchanged"
    doc = held.document | {"title": "Restore network incidents the same day"}
    doc["plan"] = [*doc["plan"], {"action": "Tell the desk", "owner": "Lena Fischer"}]
    cli.ok("apply", str(write_yaml(tmp_path, doc)))  # the plan rewritten: the done date stays
    plan = show_improvement(shown).plan
    assert [(a.status, a.done_on) for a in plan[:2]] == [("done", TODAY), ("planned", None)]


def test_an_overdue_action_reminds_its_assignee_once_per_due_date(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    shown = registered(cli, tmp_path)
    registered(cli, tmp_path, key="ended")  # its plan is history: nobody is reminded
    end("IMP-0002", "withdrawn")
    sent_before = len(mail.received)
    assert remind_overdue_actions() == [f"Overdue by 13 days: action 1 of {shown}; Priya Nair told"]
    (reminder,) = mail.received[sent_before:]
    assert reminder["To"] == "priya@example.org"
    assert reminder["Subject"] == f"Overdue by 13 days: action 1 of {shown}"
    text = body(reminder)
    assert "Action 1: Add a routing rule" in text
    assert f"https://ci.example.org/improvements/{shown}#plan" in text
    assert remind_overdue_actions() == []  # the watchdog runs again within the hour
    assert len(mail.received) == sent_before + 1
    lena = who("lena@example.org")
    update_action(shown, 0, ActionChange(due=TODAY - timedelta(2)), actor=lena)
    assert remind_overdue_actions() == [f"Overdue by 2 days: action 1 of {shown}; Priya Nair told"]
    assert remind_overdue_actions() == []
    assert len(mail.received) == sent_before + 2 and not mail.posts
    watchdog = [e for e in cli.json("audit", shown) if e["action"] == "action_overdue"]
    assert len(watchdog) == 2


def test_a_reminder_waits_in_the_digest_of_who_chose_one(
    cli: Cli, people: None, tmp_path: Path, mail: Outbox
) -> None:
    from ci_workflow.services.people.directory import set_notify
    from ci_workflow.services.people.notifications import send_digests

    shown = registered(cli, tmp_path)
    set_notify("priya@example.org", "digest", actor=who("priya@example.org"))
    sent_before = len(mail.received)
    remind_overdue_actions()
    assert len(mail.received) == sent_before  # not now: in the day's digest
    assert send_digests() == ["email priya@example.org: sent"]
    digest = mail.received[-1]
    assert f"Overdue by 13 days: action 1 of {shown}" in body(digest)


def test_my_work_and_the_register_show_overdue_first_and_the_share_done(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    shown = registered(
        cli,
        tmp_path,
        plan=[
            {"action": "Train the desk", "owner": "Priya Nair", "due": TODAY + timedelta(3)},
            {"action": "Add a routing rule", "owner": "Priya Nair", "due": TODAY - timedelta(13)},
            {"action": "Check the rule", "owner": "Priya Nair", "due": TODAY - timedelta(1)},
            {"action": "Write it up", "owner": "Lena Fischer", "status": "done"},
        ],
    )
    work = my_work(person_view_of("priya@example.org"))
    assert [(a.action, a.overdue) for a in work.actions] == [
        ("Add a routing rule", "overdue by 13 days"),
        ("Check the rule", "overdue by 1 day"),
        ("Train the desk", ""),
    ]
    _, (row,) = register_page()
    assert (row["id"], row["plan_done_pct"], row["overdue_actions"]) == (shown, 25, 2)
    assert row["plan_overdue"] == "2 actions overdue, the oldest by 13 days"
    detail = show_improvement(shown)
    assert (detail.plan_done_pct, detail.plan_overdue) == (25, row["plan_overdue"])
    move_to("closed", shown)
    _, (closed,) = register_page()
    assert (closed["plan_done_pct"], closed["overdue_actions"], closed["plan_overdue"]) == (
        25,
        0,
        "",
    )


def test_an_action_dated_today_is_not_yet_overdue(cli: Cli, people: None, tmp_path: Path) -> None:
    registered(
        cli, tmp_path, plan=[{"action": "Train the desk", "owner": "Priya Nair", "due": TODAY}]
    )
    assert remind_overdue_actions() == []
    _, (row,) = register_page()
    assert (row["overdue_actions"], row["plan_done_pct"]) == (0, 0)
