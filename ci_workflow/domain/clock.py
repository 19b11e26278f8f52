"""Time as the register keeps it: aware UTC datetimes, to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

CLOCK_SKEW = timedelta(minutes=5)  # a clock a little ahead of the register's is no future


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken to be UTC already (as exports and SQLite
    give them)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_moment(day_or_moment: date) -> datetime:
    """A date as its midnight UTC; a date-time (a ``date`` too) in UTC."""
    if isinstance(day_or_moment, datetime):
        return as_utc(day_or_moment)
    return datetime.combine(day_or_moment, time.min, tzinfo=UTC)
