"""Numbers, money, shares and times as people read them: one set of rules for the CLI's tables,
the reports, the e-mails, the CSV export and the web pages (JSON keeps full precision). The
rounding rule itself is ``domain/numbers.py``; text people typed is made safe here."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ci_workflow.domain.numbers import (
    NOTHING,
    cell,
    days,
    directed_change,
    hours,
    money,
    number,
    p_value,
    percent,
    quantity,
    share,
    signed,
    signed_percent,
)

__all__ = [
    "NOTHING",
    "cell",
    "days",
    "directed_change",
    "fact",
    "hours",
    "money",
    "number",
    "one_line",
    "p_value",
    "percent",
    "plain",
    "quantity",
    "share",
    "signed",
    "signed_percent",
    "visible",
    "when",
]

# Escape sequences (ANSI CSI and OSC), every other control character but tab and newline, and
# the bidirectional controls (U+202E shows what follows it backwards).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing the screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
# What a terminal would act on rather than show: every control character, line breaks and tabs
# too, the bidirectional controls, and the line and paragraph separators.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def fact(name: str, value: Any) -> tuple[str, str]:
    """A piece of evidence (an opportunity's) as a label and a value people read: shares in per
    cent, ``_hours`` as durations, a p-value as ``p < 0.001``, groupings and filters by name,
    lists joined; never a Python dict."""
    label = name.removesuffix("_hours").replace("_", " ")
    if value is None:
        return label, NOTHING
    if name == "p_value":
        return "how sure", p_value(value)
    if name == "signals":
        return label, "; ".join(str(s.get("title", "")) for s in value)
    if name == "same_incidents_as":
        return "same incidents as", ", ".join(
            f"{a['group_by'].replace('_', ' ')} {a['group']}" for a in value
        )
    if isinstance(value, dict):
        return label, ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return label, ", ".join(str(v) for v in value)
    if name.endswith("_share"):
        return label, share(value)
    if name.endswith("_hours"):
        return label, hours(value)
    return label, number(value)


def when(value: Any) -> str:
    """A time to the minute, ``2026-11-25 06:00``; ISO text is shortened the same way."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16].replace("T", " ")


def plain(text: str) -> str:
    """Text people typed, safe for a terminal or a plain-text e-mail: escape sequences and
    control characters removed (a title cannot recolour a terminal or fake a line)."""
    return _CONTROL.sub("", text)


def visible(text: str) -> str:
    """Text people typed, for a terminal: what it would act on is shown as an escape instead
    (``\\n``, ``\\t``, ``\\x1b``, ``\\u202e``), so a title cannot start a forged line, recolour
    the screen or reorder what follows it."""
    return _UNSHOWN.sub(_shown, text)


def _shown(found: re.Match[str]) -> str:
    character = found.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str, limit: int = 200) -> str:
    """Text for a header or a subject: control characters and line breaks become spaces,
    runs of blanks one space, at most ``limit`` characters."""
    flat = " ".join(_CONTROL.sub(" ", text.replace("\n", " ").replace("\r", " ")).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
