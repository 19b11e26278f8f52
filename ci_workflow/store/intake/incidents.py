"""Reading and writing imported incident records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Engine, Integer, Row, Table, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.settings import normalise_database_url
from ci_workflow.store.db import get_engine
from ci_workflow.store.tables import Incident

FIELDS = (
    "opened_at",
    "resolved_at",
    "closed_at",
    "category",
    "service",
    "priority",
    "assignment_group",
    "sla_met",
    "reopen_count",
    "reassignment_count",
    "ping_pong_count",
    "problem_id",
    "change_id",
)

TABLE: Table = Incident.__table__  # type: ignore[attr-defined]


def text_bounds(table: Table = TABLE) -> dict[str, int]:
    """The most characters each bounded text column holds: an import refuses longer values
    itself rather than leave it to the database (SQLite would keep them, PostgreSQL fail)."""
    lengths = {c.name: getattr(c.type, "length", None) for c in table.columns}
    return {name: most for name, most in lengths.items() if isinstance(most, int)}


def incidents_engine(database_url: str | None) -> Engine:
    """The store holding the incidents: another database, or the register's own."""
    return get_engine(normalise_database_url(database_url)) if database_url else get_engine()


def ensure_table(engine: Engine) -> None:
    """Another database gets the incidents table on first import; one an older version made
    there gains what this one stores (its rows kept)."""
    TABLE.create(engine, checkfirst=True)
    if "ping_pong_count" in {c["name"] for c in inspect(engine).get_columns(TABLE.name)}:
        return
    with engine.begin() as connection:
        alter = Operations(MigrationContext.configure(connection)).batch_alter_table
        with alter(TABLE.name) as table:
            for name in ("reopen_count", "reassignment_count"):
                table.alter_column(name, existing_type=Integer(), nullable=True)
            table.add_column(Column("ping_pong_count", Integer(), nullable=True))


def upsert(session: Session, batches: Iterable[list[dict[str, Any]]]) -> tuple[int, int]:
    """Insert new incidents and update known ones by number, a batch at a time;
    (imported, updated)."""
    existing = set(session.execute(select(TABLE.c.number)).scalars())
    now = utcnow()
    dialect = session.get_bind().dialect.name
    imported = updated = 0
    for batch in batches:
        rows = [record | {"imported_at": now} for record in batch]
        known = sum(1 for row in rows if row["number"] in existing)
        imported, updated = imported + len(rows) - known, updated + known
        if dialect in ("sqlite", "postgresql"):
            insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(TABLE)
            statement = insert.on_conflict_do_update(
                index_elements=["number"],
                set_={f: insert.excluded[f] for f in (*FIELDS, "imported_at")},
            )
            session.execute(statement, rows)
            continue
        for row in rows:  # other databases: update what exists, insert the rest
            if row["number"] in existing:
                session.execute(TABLE.update().where(TABLE.c.number == row["number"]).values(**row))
            else:
                session.execute(TABLE.insert().values(**row))
    return imported, updated


def upsert_sqlite_text(
    session: Session, batches: Iterable[list[tuple[Any, ...]]]
) -> tuple[int, int]:
    """``upsert`` on SQLite for rows already as SQLite keeps them: ``number`` then ``FIELDS`` in
    order, date-times as UTC text in SQLAlchemy's format, flags as 0/1. A million incidents
    skip a million rounds of per-value conversion; (imported, updated)."""
    existing = set(session.execute(select(TABLE.c.number)).scalars())
    now = f"{utcnow():%Y-%m-%d %H:%M:%S.%f}"
    names = ("number", *FIELDS, "imported_at")
    updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
    statement = (
        f"INSERT INTO {TABLE.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT (number) DO UPDATE SET {updates}"
    )
    imported = updated = 0
    for batch in batches:
        known = sum(1 for row in batch if row[0] in existing)
        imported, updated = imported + len(batch) - known, updated + known
        session.connection().exec_driver_sql(statement, [(*row, now) for row in batch])
    return imported, updated


def opened_span(session: Session) -> tuple[datetime | None, datetime | None]:
    """When the first and the last imported incidents were opened."""
    first, last = session.execute(
        select(func.min(TABLE.c.opened_at), func.max(TABLE.c.opened_at)).where(
            TABLE.c.deleted_at.is_(None)
        )
    ).one()
    return first, last


def opened_between(
    session: Session, start: datetime, end: datetime, columns: Sequence[str]
) -> list[Row[Any]]:
    """These columns of the incidents opened in (start, end], but those deleted in the tool."""
    opened = TABLE.c.opened_at
    query = select(*(TABLE.c[name] for name in columns)).where(
        opened > start, opened <= end, TABLE.c.deleted_at.is_(None)
    )
    return list(session.execute(query))
