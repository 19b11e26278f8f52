"""Telling people: a gate waits for their decision, a gate is overdue, an objective went off
track (and came back), an invitation to the workspace.

Each notification is a row, written in the same transaction as the fact it tells (keyed, so a
replayed task tells nothing twice), then sent after it by ``dispatch``: by e-mail now, or in the
person's daily digest, and to the webhook if one is configured. A failed send is recorded with
its reason and an audit event, tried again by the next dispatch (the hourly watchdog) up to
IMPROVE_DELIVERY_ATTEMPTS, and never stops a flow.

An invitation is the exception: its link carries a secret the register never keeps, so it is
sent once, when it is made (``queue_secret``, ``send_secret``); one that could not be sent is
marked failed and a new invitation is the way to send it again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.reports import channels
from ci_workflow.reports.mail import link_line, mail_html
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people.notifications import add_new, with_status
from ci_workflow.store.people.people import people_by_id
from ci_workflow.store.tables import Notification

log = logging.getLogger("ci_workflow.notifications")

# A send claimed longer ago than this is taken to be left by a process that died while sending.
CLAIM_EXPIRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Message:
    kind: str  # gate_opened, gate_overdue, off_track, on_track, invitation
    subject: str
    body: str
    link: str = ""
    improvement_id: int | None = None


# A message, the key that makes it once only, and the people it is for.
Queued = tuple[Message, str, Iterable[PersonView]]


def queue(
    session: Session,
    message: Message,
    *,
    key: str,
    people: Iterable[PersonView],
    immediate: bool = False,
    webhook: bool = True,
) -> list[Notification]:
    """Record the message for each active person (and the webhook). ``immediate``: never wait
    for a digest (an invitation)."""
    return queue_many(session, [(message, key, people)], immediate=immediate, webhook=webhook)


def queue_many(
    session: Session,
    messages: Iterable[Queued],
    *,
    immediate: bool = False,
    webhook: bool = True,
) -> list[Notification]:
    """``queue`` for many (message, key, people) at once, in a few queries whatever their
    number: the watchdog reminds of hundreds of gates in one go."""
    settings = get_settings()
    wanted = [(message, key, list(views)) for message, key, views in messages]
    persons = people_by_id(session, {view.id for _, _, views in wanted for view in views})
    rows = []
    for message, key, views in wanted:
        for view in views:
            person = persons.get(view.id)
            if person is None or not person.active:
                continue
            status, detail = "pending", ""
            if not settings.smtp_host:
                status, detail = "skipped", "e-mail is not configured (IMPROVE_SMTP_HOST)"
            elif person.notify == "digest" and not immediate:
                status = "digest"
            row = _row(message, f"{key}:email:{person.id}", "email", person.email, status, detail)
            row.person_id = person.id
            rows.append(row)
        if webhook and settings.webhook_url:
            host = channels.webhook_host(settings.webhook_url)
            rows.append(_row(message, f"{key}:webhook", "webhook", host, "pending", ""))
    added = add_new(session, rows)
    for row in added:
        if row.status == "skipped":
            _audit(session, row)
    return added


# Kinds whose link holds a secret that is e-mailed, never kept: sent once, never by ``dispatch``.
SECRET_KINDS = frozenset({"invitation"})
NOT_RESENT = "not sent again (its link's secret is not kept): send a new invitation"


def queue_secret(session: Session, message: Message, *, key: str, person: PersonView) -> list[int]:
    """Record an e-mail whose link's secret the register does not keep (``message.link`` is
    the link without it), claimed at once so that no ``dispatch`` sends it without."""
    rows = queue(session, message, key=key, people=[person], immediate=True, webhook=False)
    for row in rows:
        if row.status == "pending":
            row.status, row.claimed_at = "sending", utcnow()
            session.add(row)
    session.flush()
    return [row.id or 0 for row in rows if row.status == "sending"]


def send_secret(ids: list[int], link: str) -> list[str]:
    """Send what ``queue_secret`` recorded, now, with the secret ``link``; once only."""
    with transaction() as session:
        rows = with_status(session, "sending", ids=ids, claim=True)
    outcomes: dict[int, str] = {}
    with channels.Mailer() as mailer:
        for row in rows:
            try:
                _send([row], mailer, link=link)
                outcomes[row.id or 0] = ""
            except channels.SEND_FAILURES as error:
                outcomes[row.id or 0] = f"{channels.failure_reason(error)}; {NOT_RESENT}"
    return _settle(outcomes)


def _row(
    message: Message, key: str, channel: str, recipient: str, status: str, detail: str
) -> Notification:
    return Notification(
        key=key[:300],
        kind=message.kind,
        channel=channel,
        recipient=recipient,
        improvement_id=message.improvement_id,
        subject=message.subject,
        body=message.body,
        link=message.link,
        status=status,
        detail=detail,
    )


def dispatch() -> list[str]:
    """Send every pending notification once; one line per notification tried."""
    outcomes: dict[int, str] = {}
    with channels.Mailer() as mailer:  # one SMTP connection for them all
        for rows in _together(_claim()):
            try:
                _send(rows, mailer)
                failure = ""
            except channels.SEND_FAILURES as error:
                failure = channels.failure_reason(error)
            outcomes.update({row.id or 0: failure for row in rows})
    return _settle(outcomes)


# Sent together to each recipient: a CI manager told of 300 late gates in one watchdog run gets
# one message listing them, not 300.
GROUPED_KINDS = frozenset({"gate_overdue"})


def _together(rows: list[Notification]) -> list[list[Notification]]:
    groups: dict[tuple[str, str, str], list[Notification]] = defaultdict(list)
    for row in rows:
        alone = str(row.id) if row.kind not in GROUPED_KINDS else ""
        groups[(row.kind, row.channel, row.recipient + alone)].append(row)
    return list(groups.values())


def _claim() -> list[Notification]:
    """Take the pending rows (and sends left half done) for this process to send."""
    now = utcnow()
    with transaction() as session:
        stale = [
            r
            for r in with_status(session, "sending", claim=True)
            if r.claimed_at is None or now - r.claimed_at > CLAIM_EXPIRY
        ]
        for row in [r for r in stale if r.kind in SECRET_KINDS]:
            row.status, row.detail = "failed", f"left unsent; {NOT_RESENT}"
            session.add(row)
            _audit(session, row)
        rows = with_status(session, "pending", claim=True)
        rows += [r for r in stale if r.kind not in SECRET_KINDS]
        for row in rows:
            row.status, row.claimed_at = "sending", now
            session.add(row)
    return rows


def _send(rows: list[Notification], mailer: channels.Mailer, link: str | None = None) -> None:
    """One message: a notification as it is (``link``: the one the register does not keep), or
    several of one kind listed."""
    settings = get_settings()
    row = rows[0]
    link = row.link if link is None else link
    subject, body = row.subject, row.body
    what = format_id(row.improvement_id) if row.improvement_id else "it"
    if len(rows) > 1:
        subject = SUMMARIES[row.kind].format(count=len(rows))
        body, link, what = _listing(rows).rstrip(), settings.link("/"), "them"
    if row.channel == "email":
        text = f"{body}\n\n{link_line(row.kind, link, what)}\n"
        html = mail_html(subject, body, link=link, kind=row.kind) if row.kind in HTML else None
        mailer.send(channels.email_message(subject, [row.recipient], text, html))
    else:
        assert settings.webhook_url is not None
        payload = {
            "text": f"{subject}: {link}" if link else subject,
            "title": subject,
            "kind": row.kind,
            "link": link,
        }
        channels.post_webhook(settings.webhook_url, payload)


SUMMARIES = {"gate_overdue": "Overdue: {count} gates wait for a decision"}
# Kinds sent with an HTML part beside the plain text: a gate's message, which lists objectives,
# warnings and earlier decisions, and leads to the decision by one button.
HTML = frozenset({"gate_opened"})


def _listing(rows: list[Notification]) -> str:
    """Several notifications in one message (a digest, the overdue gates): each one's subject,
    its body indented under it, its link."""
    items = []
    for r in rows:
        body = "\n".join(f"  {line}" if line else "" for line in r.body.splitlines())
        items.append(f"- {r.subject}\n{body}\n  {r.link}".rstrip())
    return "\n\n".join(items) + "\n"


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
                last = row.attempts >= attempts or row.kind in SECRET_KINDS
                row.status = "failed" if last else "pending"
                log.warning("%s to %s failed: %s", row.channel, row.recipient, failure)
            session.add(row)
            _audit(session, row)
            lines.append(f"{row.channel} {row.recipient}: {row.status}")
    return lines


def _audit(session: Session, row: Notification) -> None:
    outcome = row.status + (f" ({row.detail})" if row.detail else "")
    record_event(
        session,
        improvement_id=row.improvement_id,
        actor="notifications",
        action="notified" if row.status == "sent" else "notification_not_sent",
        detail=f"{row.channel} to {row.recipient}: {row.subject}: {outcome}",
    )


def send_digests() -> list[str]:
    """One e-mail a person for everything waiting for their digest."""
    with transaction() as session:
        waiting: dict[str, list[Notification]] = defaultdict(list)
        for row in with_status(session, "digest", claim=True):
            waiting[row.recipient].append(row)
            row.status, row.claimed_at = "sending", utcnow()
            session.add(row)
    outcomes: dict[int, str] = {}
    with channels.Mailer() as mailer:
        for recipient, rows in waiting.items():
            count = f"{len(rows)} item{'s' if len(rows) != 1 else ''}"
            try:
                message = channels.email_message(
                    f"Continual improvement: {count} today", [recipient], _listing(rows)
                )
                mailer.send(message)
                failure = ""
            except channels.SEND_FAILURES as error:
                failure = channels.failure_reason(error)
            outcomes.update({r.id or 0: failure for r in rows})
    return _settle(outcomes)
