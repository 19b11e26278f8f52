"""Delivering review reports: saved to files, e-mailed to the improvement's people, posted to a
webhook. Every delivery is recorded (channel, recipient, time, outcome); a failed one is tried
again a few times and reported, and the saved report is never lost.

Deliveries are keyed by the report (one per improvement and kind: review-1, final...):
delivering it again, as a replayed or re-run flow task may, sends nothing twice. The version
sent (its SHA-256) is recorded with each delivery.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlmodel import select

from ci_workflow.domain.ids import format_id
from ci_workflow.services.reports import review_context, write_review
from ci_workflow.settings import get_settings
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Delivery, Person, Report

log = logging.getLogger("ci_workflow.delivery")


def deliver_review(improvement_id: int, kind: str) -> list[str]:
    """Render the review report (HTML and Markdown), save it, and send it; one line per delivery."""
    ref = str(improvement_id)
    context = review_context(ref)  # once: it evaluates every objective and draws its charts
    html_path = write_review(ref, "html", kind=kind, context=context)
    md_path = write_review(ref, "md", kind=kind, context=context)
    report_id, sha = _report(html_path)
    detail, summary = context["improvement"], context["summary"]
    lines = _deliver(report_id, sha, "file", [str(html_path), str(md_path)], lambda _: None)
    settings = get_settings()
    if settings.smtp_host:
        subject = f"{detail.id} {detail.title}: review report ({summary})"

        def send_mail(to: list[str]) -> None:
            _send_mail(_message(subject, to, md_path, html_path))

        lines += _deliver(report_id, sha, "email", _recipients(improvement_id), send_mail)
    if settings.webhook_url:
        url, evaluations = settings.webhook_url, context["evaluations"]
        payload = {
            "text": f"{detail.id} {detail.title}: {summary}. Report: {html_path}",
            "title": f"{detail.id} {detail.title}", "summary": summary, "status": detail.status,
            "report": str(html_path),
            "objectives": [{"metric": e.metric, "verdict": e.verdict} for e in evaluations],
        }  # fmt: skip
        lines += _deliver(report_id, sha, "webhook", [_host(url)], lambda _: _post(url, payload))
    return lines


def _report(path: Path) -> tuple[int, str]:
    with transaction(write=False) as session:
        report = session.exec(select(Report).where(Report.path == str(path))).one()
        return report.id or 0, report.sha256


def _recipients(improvement_id: int) -> list[str]:
    """The owner, the team and the process owner, each once."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, str(improvement_id))
        owner = session.get(Person, improvement.owner_id)
        process_owner = session.get(Person, improvement.process_owner_id)
        people = [owner, *store.team_of(session, improvement_id), process_owner]
    return list(dict.fromkeys(p.email for p in people if p is not None))


def _message(subject: str, to: list[str], text: Path, html: Path) -> EmailMessage:
    """HTML with a plain-text part (the Markdown report) for mail readers without HTML."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = get_settings().smtp_from
    message["To"] = ", ".join(to)
    message.set_content(text.read_text(encoding="utf-8"))
    message.add_alternative(html.read_text(encoding="utf-8"), subtype="html")
    return message


def _send_mail(message: EmailMessage) -> None:
    settings = get_settings()
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


def _post(url: str, payload: dict[str, object]) -> None:
    httpx.post(url, json=payload, timeout=15).raise_for_status()


def _host(url: str) -> str:
    return httpx.URL(url).host or "webhook"  # the rest of a webhook URL is its secret


def _reason(failure: Exception) -> str:
    """Why a delivery failed, without the webhook URL (its path is a secret) or credentials."""
    if isinstance(failure, httpx.HTTPStatusError):
        return f"HTTPStatusError: HTTP {failure.response.status_code}"
    if isinstance(failure, httpx.HTTPError):
        return type(failure).__name__
    return f"{type(failure).__name__}: {failure}"


def _deliver(
    report_id: int, sha: str, channel: str, recipients: list[str], send: Callable[[list[str]], None]
) -> list[str]:
    """Send once to the recipients this report version has not reached yet, trying a few times;
    record one delivery per recipient."""
    with transaction(write=False) as session:
        reached = set(
            session.exec(
                select(Delivery.recipient).where(
                    Delivery.report_id == report_id, Delivery.channel == channel,
                    Delivery.outcome == "sent",
                )
            ).all()
        )  # fmt: skip
    pending = [r for r in recipients if r not in reached]
    lines = [f"{channel} {r}: already sent" for r in recipients if r in reached]
    if not pending:
        return lines
    attempts, error = 0, ""
    for attempts in range(1, get_settings().delivery_attempts + 1):
        try:
            send(pending)
            error = ""
            break
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as failure:
            error = _reason(failure)
            time.sleep(min(0.5 * 2 ** (attempts - 1), 5))
    outcome = "failed" if error else "sent"
    with transaction() as session:
        for recipient in pending:
            session.add(
                Delivery(report_id=report_id, sha256=sha, channel=channel, recipient=recipient,
                         outcome=outcome, attempts=attempts, detail=error)
            )  # fmt: skip
        if error:
            report = session.get(Report, report_id)
            improvement_id = report.improvement_id if report else None
            message = f"{channel} to {', '.join(pending)} failed after {attempts} tries: {error}"
            record_event(session, improvement_id=improvement_id, actor="delivery",
                         action="delivery_failed", detail=message)  # fmt: skip
            log.warning("%s: %s", format_id(improvement_id or 0), message)
    return lines + [f"{channel} {r}: {outcome}" + (f" ({error})" if error else "") for r in pending]


def deliver_artifact(
    improvement_id: int, kind: str, publish: Callable[[str, str], None]
) -> list[str]:
    """Hand the Markdown report to ``publish(key, markdown)`` (the flow's Prefect artifact), once
    per report version. The key, e.g. ``review-imp-0001``, is versioned by Prefect."""
    path = get_settings().home_dir / "reports" / f"{format_id(improvement_id).lower()}-{kind}.md"
    report_id, sha = _report(path)
    key = f"review-{format_id(improvement_id).lower()}"
    markdown = path.read_text(encoding="utf-8")
    return _deliver(report_id, sha, "artifact", [key], lambda _: publish(key, markdown))
