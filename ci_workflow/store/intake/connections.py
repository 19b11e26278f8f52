"""Connections to ITSM tools (``improve connections``) and where each table's sync stands.

A connection's secret is kept here like an objective source's secrets: in the register (whose
file only its owner may read), never shown (``schemas`` masks it) and never audited. Each table
a connection reads has one sync row: its cursor (the last update time read and the ids read at
that time), when it was last tried and last succeeded, the rows it wrote and why it failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, delete
from sqlmodel import Field, Session, SQLModel, col, select

from ci_workflow.domain.clock import utcnow


class ItsmConnection(SQLModel, table=True):
    __tablename__ = "itsm_connection"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=400)
    username: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, max_length=1000)
    # basic: the user and its password; oauth: a client id (``username``) and its secret.
    auth: str = Field(default="basic", max_length=16)
    # The mapping as YAML (a table's name: its import mapping), kept as it was registered.
    mapping: str = Field(sa_type=Text)
    every_minutes: int | None = None
    # The last "Sync now": the run of the sync-itsm deployment it started, when, by whom.
    sync_run_id: str | None = Field(default=None, max_length=64)
    sync_asked_at: datetime | None = None
    sync_asked_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=200)


class ItsmSync(SQLModel, table=True):
    __tablename__ = "itsm_sync"

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="itsm_connection.id", ondelete="CASCADE", index=True)
    source_table: str = Field(max_length=64)
    cursor_at: str | None = Field(default=None, max_length=40)
    # The ids read at exactly ``cursor_at``, one a line.
    cursor_ties: str = Field(default="", sa_type=Text)
    tried_at: datetime | None = None
    synced_at: datetime | None = None
    rows_imported: int = 0
    rows_updated: int = 0
    rows_left_out: int = 0
    more: bool = False  # the last sync stopped at its bound: there is more to read
    error: str | None = Field(default=None, max_length=2000)
    # When the tool's ids were last listed to notice deletions, and the records from this table
    # then marked deleted in the tool.
    reconciled_at: datetime | None = None
    rows_deleted: int = 0


def by_name(session: Session, name: str) -> ItsmConnection | None:
    return session.exec(select(ItsmConnection).where(col(ItsmConnection.name) == name)).first()


def every_connection(session: Session) -> list[ItsmConnection]:
    return list(session.exec(select(ItsmConnection).order_by(col(ItsmConnection.name))))


def add(session: Session, connection: ItsmConnection) -> ItsmConnection:
    session.add(connection)
    session.flush()
    return connection


def remove(session: Session, connection: ItsmConnection) -> None:
    session.execute(delete(ItsmSync).where(col(ItsmSync.connection_id) == connection.id))
    session.delete(connection)


def syncs(session: Session, connection_id: int) -> dict[str, ItsmSync]:
    """Each table's sync row of the connection, by table."""
    rows = session.exec(select(ItsmSync).where(col(ItsmSync.connection_id) == connection_id))
    return {row.source_table: row for row in rows}


def sync_row(session: Session, connection_id: int, table: str) -> ItsmSync:
    """The table's sync row, made on first use."""
    found = syncs(session, connection_id).get(table)
    if found is None:
        found = ItsmSync(connection_id=connection_id, source_table=table)
        session.add(found)
        session.flush()
    return found


def restart(row: ItsmSync) -> None:
    """The table's next sync reads it from the beginning."""
    row.cursor_at, row.cursor_ties, row.more = None, "", False
