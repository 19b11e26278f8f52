"""Numbers, money, shares and times as people read them: one set of rules for the CLI's tables,
the reports and the web pages (JSON keeps full precision)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

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


def number(value: Any, digits: int = 4) -> str:
    """``12,000``, ``9.5``, ``0.1235``: large and whole numbers with separators, others to
    ``digits`` significant digits; text (``measure``) as it is; ``—`` for nothing."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if not isinstance(value, float):
        return f"{value:,}"
    if abs(value) >= 10 ** (digits - 1) or value.is_integer():
        return f"{value:,.0f}"  # 12,346 rather than 1.235e+04
    return f"{value:,.{digits}g}"


def quantity(value: Any, unit: str = "") -> str:
    """A number with its unit (``9.5 h``); ``—`` alone when there is no number."""
    shown = number(value)
    return f"{shown} {unit}" if unit and value is not None else shown


def money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def percent(value: float | None) -> str:
    """A value already in per cent (``achieved_pct``), rounded: ``83 %``."""
    return "—" if value is None else f"{value:.0f} %"


def signed(value: float) -> str:
    """A change with its sign: ``+2.5``, ``-1,200``, ``0``."""
    return ("+" if value > 0 else "") + number(value)


def signed_percent(value: float) -> str:
    """A change already in per cent, rounded, with its sign: ``+25 %``."""
    return ("+" if round(value) > 0 else "") + percent(value)


def ratio_change(value: float) -> str:
    """A ratio of after to before with the change it means: ``×1.25 (+25 %)``."""
    return f"×{value:.2f} ({signed_percent((value - 1) * 100)})"


def days(value: float | None) -> str:
    """An age: ``5 h`` under a day, ``3.2 days`` after."""
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 24:.0f} h"
    return f"{value:.1f} days" if value < 10 else f"{value:.0f} days"


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
