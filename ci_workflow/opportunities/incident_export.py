"""Reading an ITSM export into incident records, as its mapping says.

The whole file is read and checked before anything is written: a bad mapping or a missing column
is one clear error naming the file; rows and incidents that cannot be used are counted by reason,
with the first lines or ids of each, for the caller to report (or to refuse the file).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from pydantic import BaseModel, ValidationError

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.records.incident_mapping import IncidentMapping
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities import export_sql as sql
from ci_workflow.opportunities.export_file import readable_csv
from ci_workflow.store.intake.incidents import text_bounds

Model = TypeVar("Model", bound=BaseModel)

# DuckDB's working memory before it spills to disk: the import stays well inside 2 GiB.
MEMORY = "768MB"


def load_incident_mapping(path: Path) -> IncidentMapping:
    return load_model(path, IncidentMapping)


def load_model(path: Path, model: type[Model]) -> Model:
    """A mapping file (strict YAML) as ``model``; every problem named with the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValidationFailed(str(path), [f"{path}: cannot read: {error.strerror}"]) from None
    data = load_mapping(text, source=str(path))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            str(path), [f"{path}: {line}" for line in describe_errors(error)]
        ) from None


@dataclass(frozen=True)
class Rejected:
    """Rows or incidents left out for one reason: how many, and the first few (lines or ids)."""

    reason: str
    count: int
    examples: list[str]

    def shown(self, noun: str) -> str:
        more = ", ..." if self.count > len(self.examples) else ""
        return f"{noun} {', '.join(self.examples)}{more}".strip()


class NothingUsable(ValidationFailed):
    """Raised when an export has rows but not one record in them can be used: the mapping, not
    the data, is then the likely fault, and "0 imported" would pass for a success."""

    def __init__(
        self, path: Path, rows: int, rejected: list[Rejected], problems: list[str]
    ) -> None:
        super().__init__(str(path), problems)
        main = max(rejected, key=lambda r: r.count)
        hint = "is timestamp_format right?" if "not a time in" in main.reason else "see the mapping"
        self.args = (
            f"{path}: none of its {rows} rows could be used ({main.count} for {main.reason}: "
            f"{hint}); nothing was written",
        )


def refuse_when_nothing_usable(
    path: Path, rows: int, usable: int, rejected: list[Rejected], problems: list[str]
) -> None:
    """Refuse an export of which every row or record was left out."""
    if rows and not usable and rejected:
        raise NothingUsable(path, rows, rejected, problems)


@dataclass
class ExportRead:
    """What an export holds, checked: counts, what was left out and why, and the records."""

    rows: int
    incidents: int
    rejected_rows: list[Rejected]
    incidents_of_rejected_rows: int
    rejected_incidents: list[Rejected]
    first_opened: datetime | None
    last_opened: datetime | None
    _db: duckdb.DuckDBPyConnection

    @property
    def rejected(self) -> bool:
        return bool(self.rejected_rows or self.rejected_incidents)

    def problems(self, path: Path) -> list[str]:
        """Each reason, as one line naming the file."""
        return [
            f"{path}: {r.count} row(s): {r.reason} ({r.shown('line')})" for r in self.rejected_rows
        ] + [
            f"{path}: {r.count} incident(s): {r.reason} ({r.shown('')})"
            for r in self.rejected_incidents
        ]

    def sqlite_rows(self, size: int = 20000) -> Iterator[list[tuple[Any, ...]]]:
        """The usable incidents as SQLite keeps them
        (``store.intake.incidents.upsert_sqlite_text``)."""
        cursor = self._db.execute(sql.RECORDS_AS_SQLITE_TEXT)
        while chunk := cursor.fetchmany(size):
            yield chunk

    def batches(self, size: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """The usable incidents as the incidents table's fields, ``size`` at a time."""
        cursor = self._db.execute(sql.RECORDS)
        while chunk := cursor.fetchmany(size):
            yield [_record(row) for row in chunk]


@contextmanager
def read_export(
    path: Path, mapping: IncidentMapping, *, limit: int | None = None
) -> Iterator[ExportRead]:
    """Read and check the whole export (or its first ``limit`` rows); nothing is written.

    The work happens in a private in-memory DuckDB that spills to disk past ``MEMORY``, so a
    file of millions of events is read in bounded memory."""
    with readable_csv(path, mapping) as (source, header), tempfile.TemporaryDirectory() as spill:
        db = connect(spill)
        try:
            for statement in (
                sql.load_events(str(source), header, mapping, limit, text_bounds()),
                sql.build_incidents(mapping),
                sql.CHECK_INCIDENTS,
            ):
                db.execute(statement)
            yield _summary(db, mapping)
        except duckdb.Error as error:
            raise ValidationFailed(
                str(path), [f"{path}: {_unreadable(str(error), mapping)}"]
            ) from None
        finally:
            db.close()


def connect(spill: str) -> duckdb.DuckDBPyConnection:
    """A private DuckDB whose time zone is UTC: its default is the machine's, which would move
    every time read with an offset by the machine's own when written out as text."""
    db = duckdb.connect(config=duckdb_config(spill))
    db.execute("SET TimeZone = 'UTC'")
    return db


def duckdb_config(spill: str) -> dict[str, Any]:
    # Reads the one file it is given: no extension is fetched or loaded behind our back.
    return {
        "memory_limit": MEMORY,
        "temp_directory": spill,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }


def _unreadable(message: str, mapping: IncidentMapping) -> str:
    """DuckDB's many-line message, said in one line."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    where = f" (line {line.group(1)})" if line else ""
    if "not utf-8 encoded" in message:
        return f"not {mapping.encoding} text{where}: set encoding: in the mapping"
    return f"cannot be read as CSV{where}: {message.splitlines()[0]}"


def _summary(db: duckdb.DuckDBPyConnection, mapping: IncidentMapping) -> ExportRead:
    rows, incidents = _one(db, sql.COUNTS_SQL)
    first, last = _one(db, sql.SPAN)
    events = mapping.event_log is not None
    repeated = [] if events else _rejections(db, sql.repeated_ids(mapping))
    return ExportRead(
        rows=rows,
        incidents=incidents,
        rejected_rows=_rejections(db, sql.ROW_PROBLEMS) + repeated,
        incidents_of_rejected_rows=_one(db, sql.INCIDENTS_OF_BAD_ROWS)[0] if events else 0,
        rejected_incidents=_rejections(db, sql.INCIDENT_PROBLEMS),
        first_opened=as_utc(first) if first else None,
        last_opened=as_utc(last) if last else None,
        _db=db,
    )


def _one(db: duckdb.DuckDBPyConnection, query: str) -> tuple[Any, ...]:
    found = db.execute(query).fetchone()
    assert found is not None  # aggregates always give a row
    return tuple(found)


def _rejections(db: duckdb.DuckDBPyConnection, query: str) -> list[Rejected]:
    return [
        Rejected(reason, count, [str(e) for e in examples])
        for reason, count, examples in db.execute(query).fetchall()
    ]


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    record = dict(zip(sql.OUTPUT, row, strict=True))
    for field in ("opened_at", "resolved_at", "closed_at"):
        if record[field] is not None:
            record[field] = as_utc(record[field])
    return record
