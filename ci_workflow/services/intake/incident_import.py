"""Importing incident records from an ITSM export (`improve import incidents`).

The export is read and checked whole (``opportunities.incident_export``); then every usable
incident is inserted or updated (by its id) in one transaction, so nothing is ever half imported.
Rows and incidents that cannot be used are left out and counted by reason; ``strict`` refuses the
whole file instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.records.incident_mapping import IncidentMapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities.incident_export import (
    ExportRead,
    load_incident_mapping,
    read_export,
    refuse_when_nothing_usable,
)
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.incidents import (
    ensure_table,
    incidents_engine,
    upsert,
    upsert_sqlite_text,
)

__all__ = ["ImportResult", "Preview", "import_incidents", "load_incident_mapping", "preview"]

PREVIEW_ROWS = 1000


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int
    updated: int
    left_out: list[str]  # one line per reason, with examples
    first_opened: datetime | None
    last_opened: datetime | None


def import_incidents(
    export: Path, mapping: IncidentMapping, *, database_url: str | None = None, strict: bool = False
) -> ImportResult:
    with read_export(export, mapping) as found:
        rejected = found.rejected_rows + found.rejected_incidents
        refuse_when_nothing_usable(
            export, found.rows, found.incidents, rejected, _left_out(found, export)
        )
        if strict and found.rejected:
            raise ValidationFailed(str(export), found.problems(export))
        if database_url:
            engine = incidents_engine(database_url)
            ensure_table(engine)
            with Session(engine) as session, session.begin():
                imported, updated = _write(session, found)
        else:
            with transaction() as session:
                imported, updated = _write(session, found)
        return ImportResult(
            found.rows,
            imported,
            updated,
            _left_out(found, export),
            found.first_opened,
            found.last_opened,
        )


def _write(session: Session, found: ExportRead) -> tuple[int, int]:
    if session.get_bind().dialect.name == "sqlite":
        return upsert_sqlite_text(session, found.sqlite_rows())
    return upsert(session, found.batches())


@dataclass(frozen=True)
class Preview:
    """How the first rows of an export map: the incidents they make and what is left out."""

    rows: int
    incidents: list[dict[str, Any]]
    left_out: list[str]
    sources: dict[str, str]  # each field: "column X", "derived" or "not mapped"


def preview(export: Path, mapping: IncidentMapping, *, show: int = 10) -> Preview:
    """Read the first rows only; nothing is written."""
    with read_export(export, mapping, limit=PREVIEW_ROWS) as found:
        incidents = next(found.batches(show), [])
        return Preview(found.rows, incidents, _left_out(found, export), field_sources(mapping))


def field_sources(mapping: IncidentMapping) -> dict[str, str]:
    columns, derived = mapping.columns.model_dump(), mapping.derived()
    return {
        field: "derived from the events"
        if field in derived
        else (f"column {column}" if column else "not mapped")
        for field, column in columns.items()
    }


def _left_out(found: ExportRead, export: Path) -> list[str]:
    lines = found.problems(export)
    if found.incidents_of_rejected_rows:
        lines.append(
            f"{export}: {found.incidents_of_rejected_rows} incident(s) left out whole because "
            "some of their rows could not be used"
        )
    return lines
