"""The hourly watchdog: gates waiting longer than the limit are reported (the audit trail, and a
reminder to the people who may decide and to the CI managers, once a day while they wait), and
notifications that could not be sent are tried again.

Set-based: the waiting gates, who they belong to, the reminders already written and the people
are each read once, however many gates wait (1,000 overdue gates took 34.5 s one by one)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.vocabulary import Role
from ci_workflow.formatting import days
from ci_workflow.schemas import PendingGate
from ci_workflow.services.people import notifications
from ci_workflow.services.views.shapes import pending_for
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import mark_reminded, overdue_requests
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.tables import GateRequest

log = logging.getLogger("ci_workflow.gates")


def report_overdue_gates(max_days: float | None = None) -> list[str]:
    """Audit each gate waiting longer than the limit and remind who may decide it and the CI
    managers; a gate is reported again at most once a day while it keeps waiting."""
    settings = get_settings()
    limit = timedelta(days=max_days if max_days is not None else settings.gate_overdue_days)
    now = utcnow()
    reported, reminders = [], []
    with transaction() as session:
        people = load_directory(session)
        due = [
            request
            for request in overdue_requests(session, opened_before=now - limit)
            if request.reminded_at is None or now - as_utc(request.reminded_at) >= timedelta(days=1)
        ]
        for request, pending in zip(due, pending_for(session, due, people), strict=True):
            message, reminder = _reminder(request, pending, people, now)
            log.warning(message)
            record_event(
                session,
                improvement_id=request.improvement_id,
                actor="gate watchdog",
                action="gate_overdue",
                detail=message,
            )
            reminders.append(reminder)
            reported.append(message)
        notifications.queue_many(session, reminders)
        mark_reminded(session, [request.id or 0 for request in due], at=now)
    notifications.dispatch()  # the reminders, and any notification that failed before
    return reported


def _reminder(
    request: GateRequest, pending: PendingGate, people: Directory, now: datetime
) -> tuple[str, notifications.Queued]:
    """The audit line of one overdue gate, and its reminder to the deciders and CI managers."""
    managers = people.holders(Role.ci_manager)
    waited = (now - as_utc(request.opened_at)).total_seconds() / 86400
    names = ", ".join(m.name for m in managers) or "none registered"
    message = (
        f"{pending.id} has waited {days(waited)} at {pending.key} for "
        f"{pending.may_decide} ({', '.join(pending.deciders) or 'nobody holds that role'});"
        f" CI managers told: {names}"
    )
    reminder = notifications.Message(
        kind="gate_overdue",
        subject=f"Overdue: {pending.id} has waited {days(waited)} at "
        f"{pending.gate.replace('_', ' ')}",
        body=f"{pending.id} {pending.title} waits for {pending.may_decide} since "
        f"{request.opened_at:%Y-%m-%d %H:%M} UTC ({days(waited)}).",
        link=get_settings().link(f"/improvements/{pending.id}#decide"),
        improvement_id=request.improvement_id,
    )
    key = f"gate_overdue:{request.improvement_id}:{pending.key}:{now:%Y-%m-%d}"
    deciders = [p for p in people.people if p.name in pending.deciders]
    recipients = list({p.id: p for p in [*deciders, *managers]}.values())
    return message, (reminder, key, recipients)
