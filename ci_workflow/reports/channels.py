"""Where reports go besides a file: e-mail (SMTP) and a Slack/Teams-style webhook.

Failures are described without secrets: no SMTP password, no webhook path (it is the secret).
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

import httpx

from ci_workflow.domain.health import Check
from ci_workflow.domain.redact import MASK
from ci_workflow.formatting import one_line, plain
from ci_workflow.settings import get_settings

# What a failed send raises; anything else is a bug, not a delivery failure.
SEND_FAILURES = (OSError, smtplib.SMTPException, httpx.HTTPError)


def email_message(subject: str, to: list[str], text: str, html: str | None = None) -> EmailMessage:
    """Plain text, with an HTML alternative when given (a report: mail readers without HTML
    read its Markdown). The subject is made one line: text people typed cannot add a header."""
    message = EmailMessage()
    message["Subject"] = one_line(subject, 250)
    message["From"] = get_settings().smtp_from
    message["To"] = ", ".join(to)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(message: EmailMessage) -> None:
    with Mailer() as mailer:
        mailer.send(message)


class Mailer:
    """One SMTP connection for many messages (a watchdog's hundreds of reminders), opened at
    the first send; a failed send drops it, so the next one connects afresh."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def send(self, message: EmailMessage) -> None:
        reused = self._smtp is not None
        try:
            self._connected().send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._close()
            if not reused:
                raise
            self.send(message)  # the server closed a connection it had served: once more, anew
        except SEND_FAILURES:
            self._close()
            raise

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = smtp_connection()
        return self._smtp

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except SEND_FAILURES:
                smtp.close()


def smtp_connection(timeout: float = 30) -> smtplib.SMTP:
    """A connection to IMPROVE_SMTP_HOST, greeted (EHLO), upgraded with STARTTLS and logged in
    as configured, ready to send; each network step waits at most ``timeout`` seconds."""
    settings = get_settings()
    assert settings.smtp_host is not None
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        smtp.ehlo_or_helo_if_needed()
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    return smtp


def smtp_check(timeout: float = 5) -> Check:
    """Whether reports can be e-mailed: connect, greet, STARTTLS and log in as a send would,
    then quit; no mail is sent and the password is never shown."""
    settings = get_settings()
    if settings.smtp_host is None:
        return Check(
            "WARN",
            "smtp",
            "not configured: reports and notifications are not e-mailed",
            "set IMPROVE_SMTP_HOST (and IMPROVE_SMTP_PORT, _USER, _PASSWORD, _FROM) to send them",
        )
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    steps = "EHLO" + (", STARTTLS" if settings.smtp_starttls else "")
    steps += ", login" if settings.smtp_user and settings.smtp_password else ""
    try:
        smtp = smtp_connection(timeout)
    except SEND_FAILURES as failure:
        reason = failure_reason(failure)
        if settings.smtp_password is not None:
            reason = reason.replace(settings.smtp_password.get_secret_value(), MASK)
        return Check(
            "FAIL",
            "smtp",
            f"{where} ({steps}) failed: {reason}",
            "is a mail server listening at IMPROVE_SMTP_HOST:IMPROVE_SMTP_PORT? Then check "
            "IMPROVE_SMTP_STARTTLS, IMPROVE_SMTP_USER and IMPROVE_SMTP_PASSWORD against it",
        )
    try:
        smtp.quit()
    except SEND_FAILURES:
        smtp.close()
    return Check("OK", "smtp", f"{where} answered ({steps}); no mail sent")


# The fields a chat shows as the message; the others (a link, a status) are data.
MESSAGE_FIELDS = ("text", "title")


def post_webhook(url: str, payload: Mapping[str, object]) -> None:
    """Post ``payload``; its message fields carry text people typed, made inert first
    (``webhook_text``)."""
    shown = {
        key: webhook_text(value) if key in MESSAGE_FIELDS and isinstance(value, str) else value
        for key, value in payload.items()
    }
    httpx.post(url, json=shown, timeout=15).raise_for_status()


def webhook_text(text: str) -> str:
    """Text for a Slack-style message: ``&``, ``<`` and ``>`` escaped as Slack's message
    formatting asks, so that a title cannot notify everyone (``<!channel>``), show a link under
    other words (``<url|text>``) or add an entity; control and bidirectional characters go."""
    return plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_host(url: str) -> str:
    return httpx.URL(url).host or "webhook"  # the rest of a webhook URL is its secret


def failure_reason(failure: Exception) -> str:
    """Why a send failed, without the webhook URL or credentials."""
    if isinstance(failure, httpx.HTTPStatusError):
        return f"HTTPStatusError: HTTP {failure.response.status_code}"
    if isinstance(failure, httpx.HTTPError):
        return type(failure).__name__
    return f"{type(failure).__name__}: {failure}"
