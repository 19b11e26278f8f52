"""Keeping secrets out of everything shown (CLI, JSON, exports, reports, the audit trail, the
workspace): passwords in URLs, secret-looking query parameters, HTTP headers and parameters, and
the parameters of Python sources that are or hold secrets (by their name, at any depth, or a
password in a URL or connection string). One redaction, used by every output path."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

MASK = "***"
# Parameter names that carry credentials, in the spellings APIs and drivers use; a DSN or a
# connection string holds its password inside.
SECRET_NAME = re.compile(
    r"pass|pwd|secret|token|key|auth|sig|credential|session|cookie|bearer|private|dsn"
    r"|conn(ection)?_?str",
    re.IGNORECASE,
)
# A URL inside a text (``see postgresql://u:pw@db/x``), and a password in a libpq-style
# connection string (``host=db password=s3cret``).
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
_KEYWORD_PASSWORD = re.compile(
    r"\b(password|passwd|pwd)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """A database or web URL with its password and secret-looking query values masked; a URL
    that cannot be parsed is hidden whole."""
    try:
        parts = urlsplit(url)
        password, user = parts.password, parts.username
    except ValueError:
        return MASK
    netloc, place = parts.netloc, parts.netloc.rpartition("@")[2]  # host and port as written
    if password is not None:
        netloc = f"{user or ''}:{MASK}@{place}"
    elif user is not None and parts.scheme.startswith("http"):
        netloc = f"{MASK}@{place}"  # a lone user part of a web URL is a token
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if SECRET_NAME.search(k) else v) for k, v in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    # Put together by hand: urlunsplit drops the empty host of ``sqlite:////path``.
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{netloc}{parts.path}{'?' + query if query else ''}{fragment}"


def redact_source(source: dict[str, Any]) -> dict[str, Any]:
    """A metric source as it may be shown."""
    shown = dict(source)
    for field in ("url", "database"):
        if isinstance(shown.get(field), str) and "://" in shown[field]:
            shown[field] = redact_url(shown[field])
    if shown.get("headers"):
        shown["headers"] = dict.fromkeys(shown["headers"], MASK)
    if shown.get("params"):
        if shown.get("kind") == "http":  # sent to another party: every value masked
            shown["params"] = dict.fromkeys(shown["params"], MASK)
        else:
            shown["params"] = redact_value(shown["params"])
    return shown


def redact_value(value: Any) -> Any:
    """A parameter's value as it may be shown, however nested: under a secret-looking name,
    masked whole; in a text, URL passwords and ``password=`` of connection strings masked."""
    if isinstance(value, dict):
        return {
            k: MASK if SECRET_NAME.search(str(k)) else redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        value = _URL_IN_TEXT.sub(lambda found: redact_url(found.group()), value)
        return _KEYWORD_PASSWORD.sub(lambda found: f"{found[1]}{found[2]}{MASK}", value)
    return value
