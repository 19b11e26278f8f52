"""Delivering review reports: saved to files, e-mailed to the improvement's people, posted to a
webhook, published as a Prefect artifact. Every delivery is recorded (channel, recipient, time,
outcome); a failed one is tried again a few times and reported, and the saved report is never lost.

Deliveries are keyed by the report (one per improvement and kind: interim-1, final...):
delivering it again, as a replayed or re-run flow task may, sends nothing twice. The version
sent (its SHA-256) is recorded with each delivery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.report_kinds import canonical, file_name
from ci_workflow.formatting import one_line
from ci_workflow.reports import channels
from ci_workflow.services.reporting.review import gather_review, write_review
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import emails_of
from ci_workflow.store.register import improvements as store
from ci_workflow.store.reporting.reports import reached, record_deliveries, report_at

log = logging.getLogger("ci_workflow.delivery")


def deliver_review(improvement_id: int, kind: str) -> list[str]:
    """Render the review report (HTML and Markdown), save it, and send it; one line per delivery."""
    ref = str(improvement_id)
    context = gather_review(ref)  # once: it evaluates every objective and draws its charts
    html_path = write_review(ref, "html", kind=kind, context=context)
    md_path = write_review(ref, "md", kind=kind, context=context)
    report = _report(html_path)
    detail, summary = context["improvement"], context["summary"]
    files = [str(html_path), str(md_path)]
    lines = _deliver(improvement_id, report, "file", files, lambda _: None)
    settings = get_settings()
    if settings.smtp_host:
        subject = f"{detail.id} {detail.title}: review report ({summary})"
        text, html = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")

        def send_mail(to: list[str]) -> None:
            channels.send_mail(channels.email_message(subject, to, text, html))

        lines += _deliver(improvement_id, report, "email", _recipients(improvement_id), send_mail)
    if settings.webhook_url:
        url, evaluations = settings.webhook_url, context["evaluations"]
        # The report in the workspace, for whoever may see it there: never the server's path.
        link = settings.link(f"/reports/{report[0]}")
        title = f"{detail.id} {one_line(detail.title)}"
        where = f"Report: {link}" if link else "The report is in the workspace"
        payload = {
            "text": f"{title}: {summary}. {where}",
            "title": title,
            "summary": summary,
            "status": detail.status,
            "report": link,
            "objectives": [{"metric": e.metric, "verdict": e.verdict} for e in evaluations],
        }
        host = channels.webhook_host(url)
        lines += _deliver(
            improvement_id, report, "webhook", [host], lambda _: channels.post_webhook(url, payload)
        )
    return lines


def deliver_artifact(
    improvement_id: int, kind: str, publish: Callable[[str, str], None]
) -> list[str]:
    """Hand the Markdown report to ``publish(key, markdown)`` (the flow's Prefect artifact), once
    per report version. The key, e.g. ``review-imp-0001``, is versioned by Prefect."""
    name = file_name(improvement_id, canonical(kind), "md")
    path = get_settings().home_dir / "reports" / name
    key = f"review-{format_id(improvement_id).lower()}"
    markdown = path.read_text(encoding="utf-8")
    return _deliver(
        improvement_id, _report(path), "artifact", [key], lambda _: publish(key, markdown)
    )


def _report(path: Path) -> tuple[int, str]:
    with transaction(write=False) as session:
        report = report_at(session, str(path))
        assert report is not None, f"{path} was saved before it is delivered"
        return report.id or 0, report.sha256


def _recipients(improvement_id: int) -> list[str]:
    """The owner, the team and the process owner, each once."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, str(improvement_id))
        team = [p.id or 0 for p in store.team_of(session, improvement_id)]
        ordered = [improvement.owner_id, *team, improvement.process_owner_id]
        emails = emails_of(session, ordered)
    return list(dict.fromkeys(emails[i] for i in ordered if i in emails))


def _deliver(
    improvement_id: int,
    report: tuple[int, str],
    channel: str,
    recipients: list[str],
    send: Callable[[list[str]], None],
) -> list[str]:
    """Send once to the recipients this report version has not reached yet, trying a few times;
    record one delivery per recipient. ``report`` is its id and SHA-256."""
    report_id, sha = report
    with transaction(write=False) as session:
        done = reached(session, report_id, channel)
    pending = [r for r in recipients if r not in done]
    lines = [f"{channel} {r}: already sent" for r in recipients if r in done]
    if not pending:
        return lines
    attempts, error = 0, ""
    for attempts in range(1, get_settings().delivery_attempts + 1):
        try:
            send(pending)
            error = ""
            break
        except channels.SEND_FAILURES as failure:
            error = channels.failure_reason(failure)
            time.sleep(min(0.5 * 2 ** (attempts - 1), 5))
    outcome = "failed" if error else "sent"
    with transaction() as session:
        record_deliveries(
            session,
            report_id=report_id,
            sha256=sha,
            channel=channel,
            recipients=pending,
            outcome=outcome,
            attempts=attempts,
            detail=error,
        )
        if error:
            message = f"{channel} to {', '.join(pending)} failed after {attempts} tries: {error}"
            record_event(
                session,
                improvement_id=improvement_id,
                actor="delivery",
                action="delivery_failed",
                detail=message,
            )
            log.warning("%s: %s", format_id(improvement_id), message)
    return lines + [f"{channel} {r}: {outcome}" + (f" ({error})" if error else "") for r in pending]


def deliver_sustained(improvement_ids: list[int]) -> list[str]:
    """The review report of each improvement whose sustainment period ended, delivered again
    with its final "did it hold" answer; one that cannot be sent never stops the others."""
    lines = []
    for improvement_id in improvement_ids:
        try:
            lines += deliver_review(improvement_id, "sustained")
        except Exception as error:
            log.warning("final report of %s: %s", format_id(improvement_id), error)
            lines.append(f"{format_id(improvement_id)}: final report failed: {error}")
    return lines
