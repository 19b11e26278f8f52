"""Reading an ITSM export (CSV, or CSV.gz) into incident records, as its mapping says.

The whole file is read and checked before anything is written: a bad mapping, a missing column
or a value that does not parse is one clear error naming the file, line and column.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.incident_mapping import IncidentMapping
from ci_workflow.domain.spec import describe_errors
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import UsageError, ValidationFailed


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


def _open(path: Path) -> IO[str]:
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8", newline="")
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None


class _Rows:
    """Reads one row's fields as the mapping says: missing markers, times, counts, flags."""

    def __init__(self, path: Path, mapping: IncidentMapping, header: list[str]) -> None:
        self.path, self.mapping, self.columns = path, mapping, mapping.columns
        self.at = {name: header.index(name) for name in mapping.required_columns()}
        self.parse_time = _time_parser(mapping.timestamp_format)
        self.true_values = {v.lower() for v in mapping.true_values}

    def value(self, row: list[str], column: str | None) -> str | None:
        if column is None:
            return None
        text = row[self.at[column]].strip()
        return None if text == self.mapping.missing or text == "" else text

    def moment(self, row: list[str], column: str | None, line: int) -> datetime | None:
        text = self.value(row, column)
        if text is None:
            return None
        try:
            return self.parse_time(text)
        except ValueError:
            fmt = self.mapping.timestamp_format
            raise _bad(self.path, line, f"{column}: not a time in {fmt!r}: {text!r}") from None

    def number(self, row: list[str], column: str | None, line: int) -> int:
        text = self.value(row, column)
        try:
            return int(text) if text is not None else 0
        except ValueError:
            raise _bad(self.path, line, f"{column}: not a whole number: {text!r}") from None

    def fields(self, row: list[str], line: int) -> dict[str, Any]:
        """The incidents table's fields from one row."""
        c = self.columns
        opened = self.moment(row, c.opened, line)
        if opened is None:
            raise _bad(self.path, line, f"{c.opened}: the opening time is missing")
        sla = self.value(row, c.sla_met)
        return {
            "opened_at": opened,
            "resolved_at": self.moment(row, c.resolved, line),
            "closed_at": self.moment(row, c.closed, line),
            "category": self.value(row, c.category),
            "service": self.value(row, c.service),
            "priority": self.value(row, c.priority),
            "assignment_group": self.value(row, c.assignment_group),
            "sla_met": None if sla is None else sla.lower() in self.true_values,
            "reopen_count": self.number(row, c.reopen_count, line),
            "reassignment_count": self.number(row, c.reassignment_count, line),
            "problem_id": self.value(row, c.problem_id),
            "change_id": self.value(row, c.change_id),
        }


def read_export(
    path: Path, mapping: IncidentMapping, *, on_rows: Callable[[int], None] | None = None
) -> tuple[dict[str, dict[str, Any]], int]:
    """Every incident of the export, by id, as the incidents table's fields; and the row count.

    Event log: per incident, the latest event's row (its final fields, read once at the end) and
    the first time it entered a resolved state.
    """
    records: dict[str, dict[str, Any]] = {}
    latest: dict[str, tuple[datetime, int, list[str]]] = {}
    first_resolved: dict[str, datetime] = {}
    events, count = mapping.event_log, 0
    with _open(path) as stream:
        reader = csv.reader(stream, delimiter=mapping.delimiter)
        header = _header(path, mapping, next(reader, None))
        rows = _Rows(path, mapping, header)
        for line, row in enumerate(reader, start=2):
            count += 1
            if on_rows and count % 5000 == 0:
                on_rows(5000)
            if len(row) != len(header):
                raise _bad(path, line, f"{len(row)} fields, the header has {len(header)}")
            number = rows.value(row, mapping.columns.id)
            if number is None:
                raise _bad(path, line, f"{mapping.columns.id}: the incident id is missing")
            if events is None:
                records[number] = rows.fields(row, line)
                continue
            when = rows.moment(row, events.event_time_column, line)
            if when is None:
                raise _bad(path, line, f"{events.event_time_column}: the event time is missing")
            if rows.value(row, events.status_column) in events.resolved_states:
                first_resolved[number] = min(first_resolved.get(number, when), when)
            known = latest.get(number)
            if known is None or when >= known[0]:
                latest[number] = (when, line, row)
    if on_rows:
        on_rows(count % 5000)
    for number, (_, line, row) in latest.items():
        records[number] = rows.fields(row, line) | {"resolved_at": first_resolved.get(number)}
    return records, count


def _header(path: Path, mapping: IncidentMapping, header: list[str] | None) -> list[str]:
    if header is None:
        raise ValidationFailed(str(path), [f"{path}: the file is empty"])
    absent = mapping.required_columns() - set(header)
    if absent:
        raise ValidationFailed(
            str(path), [f"{path}: no column {', '.join(sorted(absent))} (see the mapping)"]
        )
    return header


def _bad(path: Path, line: int, problem: str) -> ValidationFailed:
    return ValidationFailed(str(path), [f"{path} line {line}: {problem}"])


def _time_parser(fmt: str) -> Callable[[str], datetime]:
    # Exports repeat the same minute many times: parse each distinct text once.
    @lru_cache(maxsize=65536)
    def parse(text: str) -> datetime:
        return as_utc(datetime.strptime(text, fmt))

    return parse
