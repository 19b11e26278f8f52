"""Importing incident records from an ITSM export (`improve import incidents`).

The whole file is read and checked before anything is written; then every incident is inserted
or updated (by its id) in one transaction. A bad mapping, a missing column, or a value that does
not parse is one clear error, and nothing is imported.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from ci_workflow.domain.incident_mapping import IncidentMapping
from ci_workflow.domain.spec import describe_errors
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import UsageError, ValidationFailed
from ci_workflow.settings import normalise_database_url
from ci_workflow.store.db import get_engine, transaction
from ci_workflow.store.tables import Incident
from ci_workflow.store.tables.common import utcnow

FIELDS = (
    "opened_at", "resolved_at", "closed_at", "category", "service", "priority", "assignment_group",
    "sla_met", "reopen_count", "reassignment_count", "problem_id", "change_id",
)  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int
    updated: int


def load_incident_mapping(path: Path) -> IncidentMapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValidationFailed(str(path), [f"{path}: cannot read: {error.strerror}"]) from None
    data = load_mapping(text, source=str(path))
    try:
        return IncidentMapping.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            str(path), [f"{path}: {line}" for line in describe_errors(error)]
        ) from None


def import_incidents(
    export: Path,
    mapping: IncidentMapping,
    *,
    database_url: str | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> ImportResult:
    records, rows = read_export(export, mapping, on_rows=on_rows)
    if database_url:
        engine = get_engine(normalise_database_url(database_url))
        Incident.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
        with Session(engine) as session, session.begin():
            imported, updated = _upsert(session, records)
    else:
        with transaction() as session:
            imported, updated = _upsert(session, records)
    return ImportResult(rows, imported, updated)


def _open(path: Path) -> IO[str]:
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8", newline="")
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None


def read_export(
    path: Path, mapping: IncidentMapping, *, on_rows: Callable[[int], None] | None = None
) -> tuple[dict[str, dict[str, Any]], int]:
    """Every incident of the export, by id, as the incidents table's fields."""
    c = mapping.columns
    parse_time = _time_parser(mapping.timestamp_format)
    missing, true_values = mapping.missing, {v.lower() for v in mapping.true_values}
    records: dict[str, dict[str, Any]] = {}
    count = 0
    with _open(path) as stream:
        reader = csv.reader(stream, delimiter=mapping.delimiter)
        header = next(reader, None)
        if header is None:
            raise ValidationFailed(str(path), [f"{path}: the file is empty"])
        absent = mapping.required_columns() - set(header)
        if absent:
            raise ValidationFailed(
                str(path), [f"{path}: no column {', '.join(sorted(absent))} (see the mapping)"]
            )
        at = {name: header.index(name) for name in mapping.required_columns()}

        def value(row: list[str], column: str | None) -> str | None:
            if column is None:
                return None
            text = row[at[column]].strip()
            return None if text == missing or text == "" else text

        def moment(row: list[str], column: str | None, line: int) -> datetime | None:
            text = value(row, column)
            if text is None:
                return None
            try:
                return parse_time(text)
            except ValueError:
                fmt = mapping.timestamp_format
                raise _bad(path, line, f"{column}: not a time in {fmt!r}: {text!r}") from None

        def number(row: list[str], column: str | None, line: int) -> int:
            text = value(row, column)
            try:
                return int(text) if text is not None else 0
            except ValueError:
                raise _bad(path, line, f"{column}: not a whole number: {text!r}") from None

        def fields_of(row: list[str], line: int) -> dict[str, Any]:
            opened = moment(row, c.opened, line)
            if opened is None:
                raise _bad(path, line, f"{c.opened}: the opening time is missing")
            sla = value(row, c.sla_met)
            return {
                "opened_at": opened,
                "resolved_at": moment(row, c.resolved, line),
                "closed_at": moment(row, c.closed, line),
                "category": value(row, c.category),
                "service": value(row, c.service),
                "priority": value(row, c.priority),
                "assignment_group": value(row, c.assignment_group),
                "sla_met": None if sla is None else sla.lower() in true_values,
                "reopen_count": number(row, c.reopen_count, line),
                "reassignment_count": number(row, c.reassignment_count, line),
                "problem_id": value(row, c.problem_id),
                "change_id": value(row, c.change_id),
            }

        # Event log: per incident, the latest event's row (its final fields, read once at the
        # end) and the first time it entered a resolved state.
        latest: dict[str, tuple[datetime, int, list[str]]] = {}
        first_resolved: dict[str, datetime] = {}
        events = mapping.event_log
        for line, row in enumerate(reader, start=2):
            count += 1
            if on_rows and count % 5000 == 0:
                on_rows(5000)
            if len(row) != len(header):
                raise _bad(path, line, f"{len(row)} fields, the header has {len(header)}")
            number_ = value(row, c.id)
            if number_ is None:
                raise _bad(path, line, f"{c.id}: the incident id is missing")
            if events is None:
                records[number_] = fields_of(row, line)
                continue
            when = moment(row, events.event_time_column, line)
            if when is None:
                raise _bad(path, line, f"{events.event_time_column}: the event time is missing")
            if value(row, events.status_column) in events.resolved_states:
                first_resolved[number_] = min(first_resolved.get(number_, when), when)
            known = latest.get(number_)
            if known is None or when >= known[0]:
                latest[number_] = (when, line, row)
    if on_rows:
        on_rows(count % 5000)
    for number_, (_, line, row) in latest.items():
        records[number_] = fields_of(row, line) | {"resolved_at": first_resolved.get(number_)}
    return records, count


def _bad(path: Path, line: int, problem: str) -> ValidationFailed:
    return ValidationFailed(str(path), [f"{path} line {line}: {problem}"])


def _time_parser(fmt: str) -> Callable[[str], datetime]:
    # Exports repeat the same minute many times: parse each distinct text once.
    @lru_cache(maxsize=65536)
    def parse(text: str) -> datetime:
        parsed = datetime.strptime(text, fmt)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    return parse


def _upsert(session: Session, records: dict[str, dict[str, Any]]) -> tuple[int, int]:
    table = Incident.__table__  # type: ignore[attr-defined]
    existing = set(session.execute(select(table.c.number)).scalars())
    now = utcnow()
    rows = [{"number": n, **fields, "imported_at": now} for n, fields in records.items()]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
        statement = insert.on_conflict_do_update(
            index_elements=["number"],
            set_={f: insert.excluded[f] for f in (*FIELDS, "imported_at")},
        )
        for chunk in _chunks(rows, 5000):
            session.execute(statement, chunk)
    else:  # other databases: update what exists, insert the rest
        for row in rows:
            if row["number"] in existing:
                session.execute(table.update().where(table.c.number == row["number"]).values(**row))
            else:
                session.execute(table.insert().values(**row))
    updated = len(existing & records.keys())
    return len(records) - updated, updated


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def engine_for(database_url: str | None) -> Engine:
    return get_engine(normalise_database_url(database_url)) if database_url else get_engine()
