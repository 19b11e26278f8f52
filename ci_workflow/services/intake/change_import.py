"""Importing change records from a change management export (`improve import changes`).

The export is read and checked whole (``opportunities.change_export``); then every usable change
is inserted or updated (by its id) in one transaction. Rows that cannot be used are left out and
counted by reason; ``strict`` refuses the whole file instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_workflow.domain.records.change_mapping import ChangeMapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities.change_export import load_change_mapping, read_changes
from ci_workflow.opportunities.incident_export import refuse_when_nothing_usable
from ci_workflow.store.db import transaction
from ci_workflow.store.intake.change_records import upsert

__all__ = ["ChangeImport", "ChangePreview", "import_changes", "load_change_mapping", "preview"]

PREVIEW_ROWS = 1000


@dataclass(frozen=True)
class ChangeImport:
    rows: int
    imported: int
    updated: int
    left_out: list[str]  # one line per reason, with the first lines


def import_changes(export: Path, mapping: ChangeMapping, *, strict: bool = False) -> ChangeImport:
    with read_changes(export, mapping) as found:
        left_out = found.problems(export)
        refuse_when_nothing_usable(export, found.rows, found.changes, found.rejected, left_out)
        if strict and left_out:
            raise ValidationFailed(str(export), left_out)
        records = found.records()
    with transaction() as session:
        imported, updated = upsert(session, records)
    return ChangeImport(found.rows, imported, updated, left_out)


@dataclass(frozen=True)
class ChangePreview:
    """How the first rows of an export map: the changes they make and what is left out."""

    rows: int
    changes: list[dict[str, Any]]
    left_out: list[str]
    sources: dict[str, str]  # each field: "column X" or "not mapped"


def preview(export: Path, mapping: ChangeMapping, *, show: int = 10) -> ChangePreview:
    """Read the first rows only; nothing is written."""
    with read_changes(export, mapping, limit=PREVIEW_ROWS) as found:
        sources = {
            field: f"column {column}" if column else "not mapped"
            for field, column in mapping.columns.model_dump().items()
        }
        return ChangePreview(found.rows, found.records(show), found.problems(export), sources)
