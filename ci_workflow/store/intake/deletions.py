"""Records synced from a connection that its tool no longer has.

A record synced is marked with its connection (``source``). When a sync lists every id a table
of the tool holds, the register's records from that connection missing from the list are marked
deleted in the tool (``deleted_at``): kept, since what was measured from them stands, but left
out of metrics and detectors from then on. A record the tool has again (restored, or read by a
later sync) is no longer marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ci_workflow.store.intake import change_records, incidents, records

TABLES: dict[str, Table] = {
    "incidents": incidents.TABLE,
    "changes": change_records.TABLE,
    "problems": records.PROBLEMS,
}
CHUNK = 500  # numbers per statement: well below every database's bound on parameters


def mark_synced(session: Session, records: str, source: str, numbers: Iterable[str]) -> None:
    """These records came from ``source`` and the tool has them."""
    _update(session, records, sorted(set(numbers)), source=source, deleted_at=None)


def missing(
    session: Session, records: str, source: str, present: set[str]
) -> tuple[list[str], list[str], int]:
    """Against a listing of the tool's table: the records from ``source`` it no longer lists
    (not marked yet), those marked that it lists again, and how many are not marked."""
    table = TABLES[records]
    ours = session.execute(
        select(table.c.number, table.c.deleted_at).where(table.c.source == source)
    ).all()
    gone = sorted(n for n, deleted in ours if deleted is None and n not in present)
    back = sorted(n for n, deleted in ours if deleted is not None and n in present)
    return gone, back, sum(1 for _, deleted in ours if deleted is None)


def mark_deleted(session: Session, records: str, numbers: list[str], when: datetime | None) -> None:
    """Mark these records deleted in the tool at ``when``; None unmarks them."""
    _update(session, records, numbers, deleted_at=when)


def _update(session: Session, records: str, numbers: list[str], **values: Any) -> None:
    table = TABLES[records]
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        session.execute(table.update().where(table.c.number.in_(chunk)).values(**values))


def deleted_count(session: Session, records: str, source: str) -> int:
    table = TABLES[records]
    where = (table.c.source == source) & table.c.deleted_at.is_not(None)
    return session.execute(select(func.count()).select_from(table).where(where)).scalar() or 0
