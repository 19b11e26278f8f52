"""Column helpers shared by the tables. Times are aware UTC datetimes on every database."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
