"""Telling people: a gate waits for their decision, a gate is overdue, an objective went off
track, an invitation to the workspace.

Each notification is a row, written in the same transaction as the fact it tells (keyed, so a
replayed task tells nothing twice), then sent after it by ``dispatch``: by e-mail now, or in the
person's daily digest, and to the webhook if one is configured. A failed send is recorded with
its reason and an audit event, tried again by the next dispatch (the hourly watchdog) up to
IMPROVE_DELIVERY_ATTEMPTS, and never stops a flow.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.people import PersonView
from ci_workflow.reports import channels
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.notifications import add_once, with_status
from ci_workflow.store.tables import Notification, Person

log = logging.getLogger("ci_workflow.notifications")

# A send claimed longer ago than this is taken to be left by a process that died while sending.
CLAIM_EXPIRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Message:
    kind: str  # gate_opened, gate_overdue, off_track, invitation
    subject: str
    body: str
    link: str = ""
    improvement_id: int | None = None


def queue(
    session: Session,
    message: Message,
    *,
    key: str,
    people: Iterable[PersonView],
    immediate: bool = False,
    webhook: bool = True,
) -> None:
    """Record the message for each active person (and the webhook). ``immediate``: never wait
    for a digest (an invitation)."""
    settings = get_settings()
    for view in people:
        person = session.get(Person, view.id)
        if person is None or not person.active:
            continue
        status, detail = "pending", ""
        if not settings.smtp_host:
            status, detail = "skipped", "e-mail is not configured (IMPROVE_SMTP_HOST)"
        elif person.notify == "digest" and not immediate:
            status = "digest"
        row = _row(message, f"{key}:email:{person.id}", "email", person.email, status, detail)
        row.person_id = person.id
        if add_once(session, row) and status == "skipped":
            _audit(session, row)
    if webhook and settings.webhook_url:
        host = channels.webhook_host(settings.webhook_url)
        add_once(session, _row(message, f"{key}:webhook", "webhook", host, "pending", ""))


def _row(
    message: Message, key: str, channel: str, recipient: str, status: str, detail: str
) -> Notification:
    return Notification(
        key=key[:300], kind=message.kind, channel=channel, recipient=recipient,
        improvement_id=message.improvement_id, subject=message.subject, body=message.body,
        link=message.link, status=status, detail=detail,
    )  # fmt: skip


def dispatch() -> list[str]:
    """Send every pending notification once; one line per notification tried."""
    claimed = _claim()
    outcomes: dict[int, str] = {}
    for row in claimed:
        try:
            _send(row)
            outcomes[row.id or 0] = ""
        except channels.SEND_FAILURES as failure:
            outcomes[row.id or 0] = channels.failure_reason(failure)
    return _settle(outcomes)


def _claim() -> list[Notification]:
    """Take the pending rows (and sends left half done) for this process to send."""
    now = utcnow()
    with transaction() as session:
        stale = [
            r
            for r in with_status(session, "sending")
            if r.claimed_at is None or now - r.claimed_at > CLAIM_EXPIRY
        ]
        rows = with_status(session, "pending") + stale
        for row in rows:
            row.status, row.claimed_at = "sending", now
            session.add(row)
    return rows


def _send(row: Notification) -> None:
    settings = get_settings()
    text = f"{row.body}\n\n{row.link}\n" if row.link else f"{row.body}\n"
    if row.channel == "email":
        channels.send_mail(channels.email_message(row.subject, [row.recipient], text))
    else:
        assert settings.webhook_url is not None
        payload = {"text": f"{row.subject}: {row.link}" if row.link else row.subject,
                   "title": row.subject, "kind": row.kind, "link": row.link}  # fmt: skip
        channels.post_webhook(settings.webhook_url, payload)


def _settle(outcomes: dict[int, str]) -> list[str]:
    """Record each send: sent, failed for good after the last attempt, or pending again."""
    attempts, lines = get_settings().delivery_attempts, []
    with transaction() as session:
        for row in with_status(session, "sending", ids=outcomes):
            failure = outcomes[row.id or 0]
            row.attempts += 1
            row.detail = failure
            if not failure:
                row.status, row.sent_at = "sent", utcnow()
            else:
                row.status = "failed" if row.attempts >= attempts else "pending"
                log.warning("%s to %s failed: %s", row.channel, row.recipient, failure)
            session.add(row)
            _audit(session, row)
            lines.append(f"{row.channel} {row.recipient}: {row.status}")
    return lines


def _audit(session: Session, row: Notification) -> None:
    outcome = row.status + (f" ({row.detail})" if row.detail else "")
    record_event(
        session, improvement_id=row.improvement_id, actor="notifications",
        action="notified" if row.status == "sent" else "notification_not_sent",
        detail=f"{row.channel} to {row.recipient}: {row.subject}: {outcome}",
    )  # fmt: skip


def send_digests() -> list[str]:
    """One e-mail a person for everything waiting for their digest."""
    with transaction() as session:
        waiting: dict[str, list[Notification]] = defaultdict(list)
        for row in with_status(session, "digest"):
            waiting[row.recipient].append(row)
            row.status, row.claimed_at = "sending", utcnow()
            session.add(row)
    outcomes: dict[int, str] = {}
    for recipient, rows in waiting.items():
        body = "\n\n".join(f"- {r.subject}\n  {r.body}\n  {r.link}".rstrip() for r in rows)
        subject = f"Continual improvement: {len(rows)} item{'s' if len(rows) != 1 else ''} today"
        try:
            channels.send_mail(channels.email_message(subject, [recipient], body + "\n"))
            failure = ""
        except channels.SEND_FAILURES as error:
            failure = channels.failure_reason(error)
        outcomes.update({r.id or 0: failure for r in rows})
    return _settle(outcomes)
