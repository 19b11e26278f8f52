"""The column types the Core table clauses (``register_tables``, ``gate_tables``) read with, as
the SQLModel tables declare them: SQLModel's own come only with the whole of SQLModel (pydantic
and the ORM, a third of what ``improve list`` may cost). ``tests/store/register/
test_register_tables.py`` checks they read as SQLModel's do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, TypeDecorator
from sqlalchemy.engine.interfaces import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """A time read back aware, in UTC: a database without time zones (SQLite) keeps UTC
    without an offset."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


class AutoString(String):
    """Text: the clauses only read it, so its length (SQLModel's 255 on MySQL) never matters."""
