"""Time as the register keeps it: aware UTC datetimes, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken to be UTC already (as exports and SQLite
    give them)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
