"""Importing problem records and SLA records (``improve import problems|slas``), and upserting
those a connection read (``connection_sync``).

The export is read and checked whole (``record_export``); then every usable record is inserted
or updated (a problem by its id; an SLA by its own id, or its task, definition and start time)
in one transaction. Rows that cannot be used are left out and counted by reason; ``strict``
refuses the whole file instead. Without a mapping, ServiceNow's own field names are read (the
export of its ``problem`` or ``task_sla`` list, as a connection reads them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ci_workflow.domain.records.problem_mapping import ProblemMapping
from ci_workflow.domain.records.sla_mapping import SlaMapping
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities.incident_export import load_model, refuse_when_nothing_usable
from ci_workflow.services.intake.itsm import servicenow
from ci_workflow.services.intake.record_export import RecordMapping, read_records
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.records import upsert

PREVIEW_ROWS = 1000
# Each kind of record: its mapping, and the ServiceNow table whose export it reads by default.
MODELS: dict[str, tuple[type[ProblemMapping] | type[SlaMapping], str]] = {
    "problems": (ProblemMapping, "problem"),
    "slas": (SlaMapping, "task_sla"),
}


@dataclass(frozen=True)
class RecordImport:
    rows: int
    imported: int
    updated: int
    left_out: list[str]  # one line per reason, with the first lines


def load_record_mapping(records: str, path: Path | None) -> RecordMapping:
    """The mapping file for ``records`` (problems, slas), or ServiceNow's by default."""
    model, table = MODELS[records]
    if path is not None:
        return load_model(path, model)
    given = dict(load_mapping(servicenow.MAPPING, source="the ServiceNow mapping")[table])
    # An exported list has no sys_id column unless asked for: SLAs are known by what they are.
    if model is SlaMapping:
        given["columns"] = {k: v for k, v in given["columns"].items() if k != "id"}
    return model.model_validate(given)


def import_records(export: Path, mapping: RecordMapping, *, strict: bool = False) -> RecordImport:
    with read_records(export, mapping) as found:
        left_out = found.problems(export)
        refuse_when_nothing_usable(export, found.rows, found.usable, found.rejected, left_out)
        if strict and left_out:
            raise ValidationFailed(str(export), left_out)
        records = found.records()
    with transaction() as session:
        imported, updated = upsert(session, found.kind.table, records)
    return RecordImport(found.rows, imported, updated, left_out)


def upsert_read(
    session: Session, path: Path, mapping: RecordMapping, label: Path
) -> tuple[int, int, list[str]]:
    """A connection's rows, read as an export named ``label`` and upserted in the caller's
    transaction; (imported, updated, what was left out and why)."""
    with read_records(path, mapping) as found:
        left = found.problems(label)
        refuse_when_nothing_usable(label, found.rows, found.usable, found.rejected, left)
        return (*upsert(session, found.kind.table, found.records()), left)


@dataclass(frozen=True)
class RecordPreview:
    """How the first rows of an export map: the records they make and what is left out."""

    rows: int
    records: list[dict[str, Any]]
    left_out: list[str]
    sources: dict[str, str]  # each field: "column X" or "not mapped"


def preview(export: Path, mapping: RecordMapping, *, show: int = 10) -> RecordPreview:
    """Read the first rows only; nothing is written."""
    with read_records(export, mapping, limit=PREVIEW_ROWS) as found:
        sources = {
            field: f"column {column}" if column else "not mapped"
            for field, column in mapping.columns.model_dump().items()
        }
        return RecordPreview(found.rows, found.records(show), found.problems(export), sources)
