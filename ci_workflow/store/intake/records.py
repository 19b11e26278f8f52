"""Problem records and SLA records imported from an ITSM tool (``improve import problems|slas``,
and a connection's problem and SLA tables): the tables, their upsert and what the detectors read
of them (not the problems deleted in the tool they were synced from: ``intake.deletions``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from ci_workflow.domain.clock import utcnow


class ProblemRecord(SQLModel, table=True):
    __tablename__ = "problem_record"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    state: str = Field(max_length=64)
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    service: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    priority: str | None = Field(default=None, max_length=64)
    assignment_group: str | None = Field(default=None, max_length=200)
    # NULL when the export did not give it: unknown, not "no".
    known_error: bool | None = None
    has_workaround: bool | None = None
    fix: str | None = Field(default=None, max_length=200)  # a fix change, a resolution code
    fixed: bool | None = None  # the root cause removed, as the mapping reads ``fix``
    # The connection it was synced from (None: imported from a file), and when that tool no
    # longer had it: kept, left out of the detectors from then on.
    source: str | None = Field(default=None, max_length=64, index=True)
    deleted_at: datetime | None = None
    imported_at: datetime = Field(default_factory=utcnow)


class SlaRecord(SQLModel, table=True):
    __tablename__ = "sla_record"

    id: int | None = Field(default=None, primary_key=True)
    # The record's own id when mapped (ServiceNow's sys_id), else "task|definition|start".
    key: str = Field(max_length=300, unique=True)
    task: str = Field(max_length=64, index=True)  # the incident's number
    definition: str = Field(max_length=200)
    stage: str | None = Field(default=None, max_length=64)
    cancelled: bool = False
    has_breached: bool
    start_at: datetime = Field(index=True)
    end_at: datetime | None = None
    breach_at: datetime | None = None
    business_percentage: float | None = None
    imported_at: datetime = Field(default_factory=utcnow)


PROBLEMS: Table = ProblemRecord.__table__  # type: ignore[attr-defined]
SLAS: Table = SlaRecord.__table__  # type: ignore[attr-defined]
# Each table's unique column, by which a record is inserted or updated.
KEYS = {PROBLEMS.name: "number", SLAS.name: "key"}


def upsert(session: Session, table: Table, records: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Insert new records and update known ones by the table's key; (imported, updated). The
    caller owns the transaction, so an import is whole or nothing."""
    key = KEYS[table.name]
    existing = set(session.execute(select(table.c[key])).scalars())
    now = utcnow()
    rows = [record | {"imported_at": now} for record in records]
    new = [row for row in rows if row[key] not in existing]
    known = [row for row in rows if row[key] in existing]
    if new:
        session.execute(table.insert(), new)
    if known:
        # A bound name may not be a column's own: each value travels as "v_<column>".
        update = (
            table.update()
            .where(table.c[key] == bindparam(f"v_{key}"))
            .values({f: bindparam(f"v_{f}") for f in known[0] if f != key})
        )
        session.execute(update, [{f"v_{f}": v for f, v in row.items()} for row in known])
    return len(new), len(known)


def problems_opened_by(session: Session, end: datetime) -> list[ProblemRecord]:
    """Problems opened by ``end`` (or when is unknown), open or not; not those deleted in the
    tool they were synced from."""
    opened = PROBLEMS.c.opened_at
    where = or_(opened.is_(None), opened <= end), PROBLEMS.c.deleted_at.is_(None)
    query = select(ProblemRecord).where(*where)
    return list(session.execute(query.order_by(PROBLEMS.c.number)).scalars())


def slas_started_between(session: Session, start: datetime, end: datetime) -> list[SlaRecord]:
    """SLAs started in (start, end]."""
    started = SLAS.c.start_at
    query = select(SlaRecord).where(started > start, started <= end).order_by(SLAS.c.key)
    return list(session.execute(query).scalars())
