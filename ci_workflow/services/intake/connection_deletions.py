"""Noticing the records deleted in the tool a connection reads (part of each sync).

A sync reads what changed; a record deleted in the tool does not change, it just stops being
there (gone from Jira's search; in GLPI's trash, which its search leaves out, or purged).
ServiceNow keeps deletions in ``sys_audit_delete``, but by the deleted record's ``sys_id`` (the
register knows records by number), only for audited tables, only to users with an audit role,
and not those the Table Cleaner removed. So the register asks the table itself: at most once a
day (``RECONCILE_EVERY``), after a sync that read everything, it lists every id the table holds
(two fields a record, by key: ``itsm.listing``) and marks the register's records from this
connection that are missing (``store.intake.deletions``: incidents, changes, problems): kept,
never counted again. The marking is written in the sync's own transaction, so a failed listing
writes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from ci_workflow.domain.records.itsm_sync import listing_held
from ci_workflow.services.intake.connections import Mapping
from ci_workflow.services.intake.itsm.kinds import kind_of
from ci_workflow.services.intake.itsm.listing import every_id
from ci_workflow.services.intake.itsm.reading import Connector, Limits, Read
from ci_workflow.store.db import transaction
from ci_workflow.store.intake import connections as store
from ci_workflow.store.intake import deletions
from ci_workflow.store.intake.connections import ItsmConnection

RECONCILE_EVERY = timedelta(days=1)


def listings(
    connection: ItsmConnection,
    reads: dict[str, Read],
    mappings: dict[str, Mapping],
    api: Connector,
    limits: Limits,
    now: datetime,
    whole: set[str],
) -> dict[str, set[str]]:
    """Each table due a reconciliation (of records that keep the mark): every id it holds.
    A table read whole from its beginning (``whole``: its first sync) is its own listing: what
    it read is what it holds, so it is not asked again."""
    records = kind_of(connection.kind).tables
    with transaction(write=False) as session:
        rows = store.syncs(session, connection.id or 0)
    listed = {}
    for table, read in reads.items():
        last = rows[table].reconciled_at if table in rows else None
        if records[table] not in deletions.TABLES or read.more:
            continue
        if last is not None and now - last < RECONCILE_EVERY:
            continue
        id_column = mappings[table].columns.id  # the kinds keeping the mark all have one
        if id_column and table in whole:
            listed[table] = set(_numbers(read.path, id_column))
            continue
        found = every_id(api, table, id_column, limits) if id_column else None
        if found is not None:
            listed[table] = found
    return listed


@dataclass(frozen=True)
class Marked:
    deleted: int = 0  # newly marked deleted in the tool
    in_all: int | None = None  # marked in all, when the table was listed
    held: int = 0  # missing from a listing too short to believe (``listing_held``): not marked


def marked(
    session: Session,
    connection: ItsmConnection,
    records: str,
    read: Read,
    id_column: str | None,
    listed: set[str] | None,
    now: datetime,
) -> Marked:
    """The records read marked as the connection's, then, when the table was listed, those
    missing marked deleted and those listed again unmarked. Records of a kind that keeps no
    mark (``deletions.TABLES``) are left as they are."""
    if records not in deletions.TABLES or id_column is None:
        return Marked()
    deletions.mark_synced(session, records, connection.name, _numbers(read.path, id_column))
    if listed is None:
        return Marked()
    gone, back, live = deletions.missing(session, records, connection.name, listed)
    deletions.mark_deleted(session, records, back, None)  # what the tool lists, it has
    held = listing_held(len(gone), live)
    if not held:
        deletions.mark_deleted(session, records, gone, now)
    in_all = deletions.deleted_count(session, records, connection.name)
    return Marked(0 if held else len(gone), in_all, len(gone) if held else 0)


def held_said(held: int) -> str:
    return (
        f"{held} records synced before are missing from the tool's listing, more than half "
        "of them: none marked deleted (a changed selection or a lost right is likelier; "
        "check the mapping's query and the account's rights)"
    )


def _numbers(path: Path, id_column: str) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as source:
        return [row[id_column] for row in csv.DictReader(source)]
