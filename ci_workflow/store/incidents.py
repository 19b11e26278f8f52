"""Reading and writing imported incident records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.settings import normalise_database_url
from ci_workflow.store.db import get_engine
from ci_workflow.store.tables import Incident

FIELDS = (
    "opened_at", "resolved_at", "closed_at", "category", "service", "priority", "assignment_group",
    "sla_met", "reopen_count", "reassignment_count", "problem_id", "change_id",
)  # fmt: skip

TABLE: Table = Incident.__table__  # type: ignore[attr-defined]


def incidents_engine(database_url: str | None) -> Engine:
    """The store holding the incidents: another database, or the register's own."""
    return get_engine(normalise_database_url(database_url)) if database_url else get_engine()


def ensure_table(engine: Engine) -> None:
    """Another database gets the incidents table on first import."""
    TABLE.create(engine, checkfirst=True)


def upsert(session: Session, records: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Insert new incidents and update known ones by number; (imported, updated)."""
    existing = set(session.execute(select(TABLE.c.number)).scalars())
    now = utcnow()
    rows = [{"number": n, **fields, "imported_at": now} for n, fields in records.items()]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(TABLE)
        statement = insert.on_conflict_do_update(
            index_elements=["number"],
            set_={f: insert.excluded[f] for f in (*FIELDS, "imported_at")},
        )
        for chunk in _chunks(rows, 5000):
            session.execute(statement, chunk)
    else:  # other databases: update what exists, insert the rest
        for row in rows:
            if row["number"] in existing:
                session.execute(TABLE.update().where(TABLE.c.number == row["number"]).values(**row))
            else:
                session.execute(TABLE.insert().values(**row))
    updated = len(existing & records.keys())
    return len(records) - updated, updated


def opened_between(
    session: Session, start: datetime, end: datetime, columns: Sequence[str]
) -> list[Row[Any]]:
    """These columns of the incidents opened in (start, end]."""
    opened = TABLE.c.opened_at
    query = select(*(TABLE.c[name] for name in columns)).where(opened > start, opened <= end)
    return list(session.execute(query))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
