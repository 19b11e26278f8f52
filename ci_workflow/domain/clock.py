"""Time as the register keeps it: aware UTC datetimes, to the second.

``history_at`` sets the register's clock to a past moment for the code it wraps: a year of
practice replayed on history (``examples/demo_history.py``) goes through the same use cases as
today's work, and every act they record carries the moment it happened, not the moment it
was replayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta

CLOCK_SKEW = timedelta(minutes=5)  # a clock a little ahead of the register's is no future


_HISTORY: ContextVar[datetime | None] = ContextVar("history", default=None)


def utcnow() -> datetime:
    pinned = _HISTORY.get()
    return pinned if pinned is not None else datetime.now(UTC).replace(microsecond=0)


@contextmanager
def history_at(moment: datetime) -> Iterator[datetime]:
    """The register's clock reads ``moment`` (in UTC, to the second) inside the block; a
    moment ahead of the real clock is refused, since history cannot be written ahead of time."""
    pinned = as_utc(moment).replace(microsecond=0)
    if pinned > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError(f"{pinned:%Y-%m-%d %H:%M} is in the future: history is the past")
    token = _HISTORY.set(pinned)
    try:
        yield pinned
    finally:
        _HISTORY.reset(token)


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken to be UTC already (as exports and SQLite
    give them)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_moment(day_or_moment: date) -> datetime:
    """A date as its midnight UTC; a date-time (a ``date`` too) in UTC."""
    if isinstance(day_or_moment, datetime):
        return as_utc(day_or_moment)
    return datetime.combine(day_or_moment, time.min, tzinfo=UTC)
