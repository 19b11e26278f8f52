"""Fixtures of the service tests: a real SMTP server and webhook on loopback, configured."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import Any

import pytest

from ci_workflow.settings import get_settings


@dataclass
class Outbox:
    received: list[Message]  # e-mails the SMTP server got
    posts: list[Any]  # what the webhook got
    control: dict[str, int]  # the webhook's answer
    port: int  # the SMTP server's


@pytest.fixture
def mail(
    smtp_server: tuple[int, list[Message]],
    webhook: tuple[str, list[Any], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> Outbox:
    port, received = smtp_server
    url, posts, control = webhook
    for name, value in {
        "IMPROVE_SMTP_HOST": "127.0.0.1",
        "IMPROVE_SMTP_PORT": str(port),
        "IMPROVE_SMTP_STARTTLS": "false",
        "IMPROVE_WEBHOOK_URL": url,
        "IMPROVE_WEB_URL": "https://ci.example.org",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return Outbox(received, posts, control, port)


def body(message: Message, kind: str = "text/plain") -> str:
    """The text of an e-mail: the part of ``kind`` of one with an HTML alternative."""
    part = next((p for p in message.walk() if p.get_content_type() == kind), message)
    return part.get_payload(decode=True).decode()  # type: ignore[union-attr,no-any-return]
