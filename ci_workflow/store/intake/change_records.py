"""Reading and writing imported change records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.store.tables import ChangeRecord

TABLE: Table = ChangeRecord.__table__  # type: ignore[attr-defined]


def upsert(session: Session, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Insert new changes and update known ones by number; (imported, updated). The caller owns
    the transaction, so an import is whole or nothing."""
    existing = set(session.execute(select(TABLE.c.number)).scalars())
    now = utcnow()
    rows = [record | {"imported_at": now} for record in records]
    new = [row for row in rows if row["number"] not in existing]
    known = [row for row in rows if row["number"] in existing]
    if new:
        session.execute(TABLE.insert(), new)
    if known:
        # A bound name may not be a column's own: each value travels as "v_<column>".
        update = (
            TABLE.update()
            .where(TABLE.c.number == bindparam("v_number"))
            .values({f: bindparam(f"v_{f}") for f in known[0] if f != "number"})
        )
        session.execute(update, [{f"v_{f}": v for f, v in row.items()} for row in known])
    return len(new), len(known)


def by_number(session: Session, numbers: Iterable[str]) -> dict[str, ChangeRecord]:
    """The imported changes among ``numbers``, in one query."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    found = session.execute(select(ChangeRecord).where(TABLE.c.number.in_(wanted))).scalars()
    return {c.number: c for c in found}


def closed_between(session: Session, start: datetime, end: datetime) -> list[ChangeRecord]:
    """Changes closed in (start, end], by when they closed; not those deleted in the tool."""
    query = (
        select(ChangeRecord)
        .where(TABLE.c.closed_at > start, TABLE.c.closed_at <= end, TABLE.c.deleted_at.is_(None))
        .order_by(TABLE.c.closed_at, TABLE.c.number)
    )
    return list(session.execute(query).scalars())
