"""The period a measurement covers: from ``as_of`` minus the objective's window to ``as_of``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ci_workflow.domain.clock import as_utc

_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_WINDOW = re.compile(r"^([1-9]\d*)([hdw])$")


MAX_WINDOW = timedelta(days=3 * 366)


def checked_window(window: str) -> str:
    """A window as a file gives it (``7d``), or a ValueError saying what is wrong with it."""
    if not _WINDOW.match(window) or len(window) > 8:
        raise ValueError("expected a count and a unit h, d or w, e.g. 7d")
    if parse_window(window) > MAX_WINDOW:
        raise ValueError("a window is at most three years (156w)")
    return window


def parse_window(text: str) -> timedelta:
    match = _WINDOW.match(text)
    if not match:
        raise ValueError(f"not a window: {text!r} (e.g. 7d, 12h, 4w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Window:
    """``start`` < data ≤ ``end``; ``as_of`` is the checkpoint time and equals ``end``."""

    start: datetime
    end: datetime

    @property
    def as_of(self) -> datetime:
        return self.end

    @classmethod
    def ending(cls, as_of: datetime, window: str) -> Window:
        end = as_utc(as_of)
        return cls(end - parse_window(window), end)

    def parameters(self) -> dict[str, datetime]:
        """As bound into queries: naive UTC datetimes."""
        naive = {"window_start": self.start, "window_end": self.end, "as_of": self.end}
        return {name: value.replace(tzinfo=None) for name, value in naive.items()}
