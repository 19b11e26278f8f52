"""Keeping secrets out of what is shown: passwords in URLs, tokens in HTTP headers."""

from __future__ import annotations

from typing import Any

MASK = "***"


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``; an unparsable URL is hidden whole."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return MASK


def redact_source(source: dict[str, Any]) -> dict[str, Any]:
    """A metric source as it may be printed: database passwords and header values masked."""
    shown = dict(source)
    if shown.get("kind") == "sql" and "url" in shown:
        shown["url"] = redact_url(str(shown["url"]))
    if shown.get("headers"):
        shown["headers"] = dict.fromkeys(shown["headers"], MASK)
    return shown
