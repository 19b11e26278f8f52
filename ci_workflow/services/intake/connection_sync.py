"""Syncing a connection (``improve connections sync NAME``, and ``test``).

Each table the mapping names is read from its cursor on (``domain.records.itsm_sync``), a page
at a time, into a CSV file on disk (memory stays flat whatever the count); a record read twice
(updated between two pages) keeps its later version. Only when every table was read are the
rows turned into records by the import's own code (``opportunities.incident_export`` and
``change_export``, with the connection's mapping) and upserted, every table's rows and its
cursor in ONE transaction: a sync is whole or nothing. A failure (the tool refusing, a page
failing four times, a field missing, no usable row) writes no record and leaves every cursor
where it was, so the next sync reads the same records again; the failure is kept on each table's
sync row and shown. One transaction per sync, not per page: a page's rows alone could be read
before the same records' later versions on a later page, and a cursor advanced per page would
make a failed sync half-applied. A sync stops early (``more``) at ``max_pages`` pages or
``max_seconds`` per table, and keeps what it read: the cursor is exact at any page boundary.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.records.change_mapping import ChangeMapping
from ci_workflow.domain.records.itsm_sync import Cursor, MissingField, due
from ci_workflow.domain.records.problem_mapping import ProblemMapping
from ci_workflow.domain.records.sla_mapping import SlaMapping
from ci_workflow.errors import ImproveError, ValidationFailed
from ci_workflow.opportunities.change_export import read_changes
from ci_workflow.opportunities.incident_export import read_export, refuse_when_nothing_usable
from ci_workflow.services.intake.connection_deletions import held_said, listings, marked
from ci_workflow.services.intake.connections import (
    Mapping,
    check_manager,
    named_connection,
    table_mappings,
    table_options,
)
from ci_workflow.services.intake.itsm.http import ConnectorError
from ci_workflow.services.intake.itsm.kinds import connector_for, kind_of
from ci_workflow.services.intake.itsm.reading import (
    Connector,
    Limits,
    Read,
    missing_field,
    opened,
    read_table,
)
from ci_workflow.services.intake.record_import import upsert_read
from ci_workflow.services.people.refusals import refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake import change_records, incidents
from ci_workflow.store.intake import connections as store
from ci_workflow.store.intake.connections import ItsmConnection, ItsmSync

TIMES = ("opened", "resolved", "closed", "planned_start", "planned_end", "start", "end", "breach")


class TableResult(BaseModel):
    table: str
    records: str
    read: int
    imported: int
    updated: int
    left_out: list[str]
    more: bool
    deleted: int = 0  # records from this table newly marked deleted in the tool
    held: int = 0  # missing from a listing too short to believe: not marked (``held_said``)


class SyncResult(BaseModel):
    name: str
    tables: list[TableResult]


def sync_connection(name: str, *, actor: Actor, limits: Limits | None = None) -> SyncResult:
    limits = limits or Limits()
    connection, cursors = _prepared(name, actor)
    tables = table_mappings(connection.mapping, name, connection.kind)
    with (
        opened(_api(connection, limits)) as api,
        tempfile.TemporaryDirectory(prefix="improve-sync-") as spill,
    ):
        try:
            reads = {
                table: read_table(
                    api,
                    table,
                    sorted(mapping.required_columns()),
                    id_column=mapping.columns.id or api.key,
                    times=_times(mapping, api),
                    cursor=cursors.get(table, Cursor()),
                    limits=limits,
                    path=Path(spill) / f"{table}.csv",
                )
                for table, mapping in tables.items()
            }
            whole = {t for t in tables if cursors.get(t, Cursor()).at is None}
            listed = listings(connection, reads, tables, api, limits, utcnow(), whole)
            return _write(connection, tables, reads, actor, listed)
        except ImproveError as error:
            _failed(connection, list(tables), _why(error), actor)
            raise


def sync_due(actor: Actor) -> list[str]:
    """The scheduled sync (``sync-itsm``): every connection whose period has passed since it
    was last tried, one after another; a line each, a failure said and kept, never raised."""
    now = utcnow()
    with transaction(write=False) as session:
        wanted = [
            c.name
            for c in store.every_connection(session)
            if due(c.every_minutes, _last_tried(store.syncs(session, c.id or 0)), now)
        ]
    lines = []
    for name in wanted:
        try:
            done = sync_connection(name, actor=actor)
        except ImproveError as error:
            lines.append(f"{name}: failed, nothing written: {error}")
            continue
        lines.append(f"{name}: " + "; ".join(said(t) for t in done.tables))
    return lines


def _last_tried(syncs: dict[str, ItsmSync]) -> datetime | None:
    tried = [row.tried_at for row in syncs.values() if row.tried_at is not None]
    return max(tried) if tried else None


def check_connection(name: str, *, actor: Actor) -> list[tuple[str, bool, str]]:
    """Each table: reachable as the connection's user, how many records, the mapped fields
    there; (table, ok, what was found). Nothing is written."""
    connection, _ = _prepared(name, actor)
    found = []
    with opened(_api(connection, Limits())) as api:
        for table, mapping in table_mappings(connection.mapping, name, connection.kind).items():
            found.append(_checked(api, table, mapping))
    return found


def _checked(api: Connector, table: str, mapping: Mapping) -> tuple[str, bool, str]:
    fields = sorted(mapping.required_columns() | {api.key, api.updated})
    try:
        page = api.page(table, Cursor(), fields, 1)
        for record in page.records:
            api.flatten(record, fields, frozenset())
    except ConnectorError as error:
        return table, False, str(error)
    except MissingField as missing:
        return table, False, missing_field(table, str(missing))
    count = f"{page.total} records" if page.total is not None else "records"
    checked = "its fields all there" if page.records else "no record to check fields on"
    return table, True, f"reachable, {count}, {checked}"


def _prepared(name: str, actor: Actor) -> tuple[ItsmConnection, dict[str, Cursor]]:
    with refusing(actor), transaction(write=False) as session:
        check_manager(actor)
        connection = named_connection(session, name)
        rows = store.syncs(session, connection.id or 0)
    cursors = {
        table: Cursor(row.cursor_at, frozenset(filter(None, row.cursor_ties.split("\n"))))
        for table, row in rows.items()
    }
    return connection, cursors


def _api(connection: ItsmConnection, limits: Limits) -> Connector:
    options = table_options(connection.mapping, connection.name, connection.kind)
    return connector_for(
        connection.kind,
        connection.url,
        connection.username,
        connection.secret,
        limits.sleep,
        auth=connection.auth,
        options=options,
    )


def _times(mapping: Mapping, api: Connector) -> frozenset[str]:
    columns = mapping.columns.model_dump()
    return frozenset({api.updated, *(columns[t] for t in TIMES if columns.get(t))})


def _write(
    connection: ItsmConnection,
    tables: dict[str, Mapping],
    reads: dict[str, Read],
    actor: Actor,
    listed: dict[str, set[str]],
) -> SyncResult:
    results = []
    now = utcnow()
    records = kind_of(connection.kind).tables
    with transaction() as session:
        for table, mapping in tables.items():
            read = reads[table]
            imported, updated, left = _upsert(session, connection.name, table, mapping, read)
            id_column, found = mapping.columns.id, listed.get(table)
            mark = marked(session, connection, records[table], read, id_column, found, now)
            results.append(
                TableResult(
                    table=table,
                    records=records[table],
                    read=read.rows,
                    imported=imported,
                    updated=updated,
                    left_out=left,
                    more=read.more,
                    deleted=mark.deleted,
                    held=mark.held,
                )
            )
            if mark.in_all is not None:
                row = store.sync_row(session, connection.id or 0, table)
                row.reconciled_at, row.rows_deleted = now, mark.in_all
        for result in results:
            row = store.sync_row(session, connection.id or 0, result.table)
            read = reads[result.table]
            row.cursor_at, row.cursor_ties = read.cursor.at, "\n".join(sorted(read.cursor.ties))
            row.tried_at = row.synced_at = now
            row.rows_imported, row.rows_updated = result.imported, result.updated
            row.rows_left_out, row.more = len(result.left_out), result.more
            row.error = held_said(result.held) if result.held else None
        record_act(
            session,
            actor,
            improvement_id=None,
            action="connection_synced",
            detail=f"{connection.name}: " + "; ".join(said(r) for r in results),
        )
    return SyncResult(name=connection.name, tables=results)


def said(result: TableResult) -> str:
    more = ", more to read" if result.more else ""
    gone = f", {result.deleted} deleted in the tool" if result.deleted else ""
    held = f" ({held_said(result.held)})" if result.held else ""
    return f"{result.table} {result.imported} new, {result.updated} updated{gone}{more}{held}"


def _upsert(
    session: Session, name: str, table: str, mapping: Mapping, read: Read
) -> tuple[int, int, list[str]]:
    """The rows read, made records by the import's code and upserted; (imported, updated,
    what was left out and why)."""
    if not read.rows:
        return 0, 0, []
    label = Path(f"{name} {table}")
    try:
        if isinstance(mapping, ProblemMapping | SlaMapping):
            return upsert_read(session, read.path, mapping, label)
        if isinstance(mapping, ChangeMapping):
            with read_changes(read.path, mapping) as changes:
                left = changes.problems(label)
                refuse_when_nothing_usable(
                    label, changes.rows, changes.changes, changes.rejected, left
                )
                return (*change_records.upsert(session, changes.records()), left)
        with read_export(read.path, mapping) as found:
            left = found.problems(label)
            rejected = found.rejected_rows + found.rejected_incidents
            refuse_when_nothing_usable(label, found.rows, found.incidents, rejected, left)
            return (*incidents.upsert(session, found.batches()), left)
    except ValidationFailed as failed:
        said = [p.replace(str(read.path), str(label)) for p in failed.problems]
        raise ValidationFailed(str(label), said) from None


def _why(error: ImproveError) -> str:
    if (
        isinstance(error, ValidationFailed)
        and error.problems
        and "nothing was written" in str(error)
    ):
        return f"{error}: {'; '.join(error.problems[:3])}"
    return str(error)


def _failed(connection: ItsmConnection, tables: list[str], error: str, actor: Actor) -> None:
    """Keep why the sync failed on each table's row; cursors and records stay as they were."""
    with transaction() as session:
        for table in tables:
            row = store.sync_row(session, connection.id or 0, table)
            row.tried_at, row.error = utcnow(), error[:2000]
        record_act(
            session,
            actor,
            improvement_id=None,
            action="connection_sync_failed",
            detail=f"{connection.name}: {error}"[:2000],
        )
