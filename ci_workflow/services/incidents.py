"""Importing incident records from an ITSM export (`improve import incidents`).

The export is read and checked whole (``opportunities.incident_export``); then every incident is
inserted or updated (by its id) in one transaction, so nothing is ever half imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from ci_workflow.domain.incident_mapping import IncidentMapping
from ci_workflow.opportunities.incident_export import load_incident_mapping, read_export
from ci_workflow.store.db import transaction
from ci_workflow.store.incidents import ensure_table, incidents_engine, upsert

__all__ = ["ImportResult", "import_incidents", "load_incident_mapping"]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int
    updated: int


def import_incidents(
    export: Path,
    mapping: IncidentMapping,
    *,
    database_url: str | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportResult:
    records, rows = read_export(export, mapping, on_rows=on_rows)
    if database_url:
        engine = incidents_engine(database_url)
        ensure_table(engine)
        with Session(engine) as session, session.begin():
            imported, updated = upsert(session, records)
    else:
        with transaction() as session:
            imported, updated = upsert(session, records)
    return ImportResult(rows, imported, updated)
