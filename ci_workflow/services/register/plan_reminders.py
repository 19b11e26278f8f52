"""Reminding assignees of their overdue plan actions: once per action and due date (the date it
was sent for is recorded, so a new due date arms it again), run by the hourly watchdog flow, a
bounded number per run; the rest wait for the next run, longest overdue first.

People on a daily digest find the reminder in it; the webhook is not told (it is one person's
task, not the practice's news)."""

from __future__ import annotations

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.plan_tasks import overdue_days, overdue_words
from ci_workflow.services.people import notifications
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import Improvement, PlanAction

# At most this many reminders a run: a register with thousands of late actions is told over a
# few hours rather than holding the write lock for one long transaction.
REMINDERS_PER_RUN = 500


def remind_overdue_actions(limit: int = REMINDERS_PER_RUN) -> list[str]:
    """Queue the reminders of the actions newly overdue and send them; one line each."""
    today = utcnow().date()
    lines, reminders = [], []
    with transaction() as session:
        people = {p.id: p for p in load_directory(session).people}
        for action, improvement in store.overdue_unreminded(session, today=today, limit=limit):
            late = overdue_days(action.due, action.status, improvement.status, today)
            message, key = _reminder(action, improvement, overdue_words(late))
            assignee = people.get(action.owner_id)
            reminders.append((message, key, [assignee] if assignee else []))
            action.reminded_due = action.due
            session.add(action)
            line = f"{message.subject}; {assignee.name if assignee else 'nobody'} told"
            record_event(
                session,
                improvement_id=improvement.id,
                actor="plan watchdog",
                action="action_overdue",
                detail=line,
            )
            lines.append(line)
        notifications.queue_many(session, reminders, webhook=False)
    notifications.dispatch()
    return lines


def _reminder(
    action: PlanAction, improvement: Improvement, late: str
) -> tuple[notifications.Message, str]:
    shown = format_id(improvement.id or 0)
    number = action.position + 1
    message = notifications.Message(
        kind="action_overdue",
        subject=f"{late.capitalize()}: action {number} of {shown}",
        body=f"{shown} {improvement.title}\nAction {number}: {action.action}\n"
        f"Due {action.due}, {late}; its status is {action.status.replace('_', ' ')}. "
        "Mark it done, or ask who plans it to move its due date.",
        link=f"{get_settings().workspace_url}/improvements/{shown}#plan",
        improvement_id=improvement.id,
    )
    return message, f"action_overdue:{improvement.id}:{action.id}:{action.due}"
