"""Reading a problem or SLA export (one row per record) into records, as its mapping says.

Like the change exports (``opportunities.change_export``), every row is read and checked by
DuckDB before anything is written: mapped values cleaned (trimmed, the missing marker made NULL)
and typed, and why a row cannot be used. A record on two lines: the last usable one wins.

| field kind | read as | a row is refused when |
| --- | --- | --- |
| time | ``timestamp_format`` (UTC unless ``%z``) | the value is not a time in it |
| flag | true when one of ``true_values`` (any case) | never: any other value is false |
| number | a decimal (a ``%`` sign dropped) | the value is not a number |
| text | as it is | it is longer than the register keeps |
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Table

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.records.problem_mapping import ProblemMapping
from ci_workflow.domain.records.sla_mapping import SlaMapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities.export_file import readable_csv
from ci_workflow.opportunities.export_sql import any_of, moment, numbered_rows, text, too_long
from ci_workflow.opportunities.incident_export import Rejected, connect
from ci_workflow.store.intake.incidents import text_bounds
from ci_workflow.store.intake.records import KEYS, PROBLEMS, SLAS

RecordMapping = ProblemMapping | SlaMapping

PROBLEM_TIMES = ("opened", "resolved", "closed")
PROBLEM_TEXTS = ("service", "category", "priority", "assignment_group", "fix")
SLA_TIMES = ("start", "end", "breach")


@dataclass(frozen=True)
class Kind:
    """What one kind of record is called and where it is kept."""

    noun: str
    table: Table
    output: tuple[str, ...]  # the table's columns, in the order the records are read


PROBLEM = Kind(
    "problem",
    PROBLEMS,
    (
        "number",
        "state",
        *(f"{t}_at" for t in PROBLEM_TIMES),
        *PROBLEM_TEXTS[:4],
        *("known_error", "has_workaround", "fix", "fixed"),
    ),
)
SLA = Kind(
    "SLA",
    SLAS,
    (
        *("key", "task", "definition", "stage", "cancelled", "has_breached"),
        *(f"{t}_at" for t in SLA_TIMES),
        "business_percentage",
    ),
)


def kind_of(mapping: RecordMapping) -> Kind:
    return PROBLEM if isinstance(mapping, ProblemMapping) else SLA


@dataclass
class RecordsRead:
    """What an export holds, checked: rows, usable records, what was left out and why."""

    kind: Kind
    rows: int
    usable: int
    rejected: list[Rejected]
    _db: duckdb.DuckDBPyConnection

    def problems(self, path: Path) -> list[str]:
        return [f"{path}: {r.count} row(s): {r.reason} ({r.shown('line')})" for r in self.rejected]

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The usable records as their table's fields, by key."""
        cap = f" LIMIT {int(limit)}" if limit else ""
        key = KEYS[self.kind.table.name]
        chosen = ", ".join(self.kind.output)
        found = self._db.execute(f"SELECT {chosen} FROM usable ORDER BY {key}{cap}").fetchall()
        return [_record(self.kind, row) for row in found]


@contextmanager
def read_records(
    path: Path, mapping: RecordMapping, *, limit: int | None = None
) -> Iterator[RecordsRead]:
    """Read and check the whole export (or its first ``limit`` rows); nothing is written."""
    kind = kind_of(mapping)
    with readable_csv(path, mapping) as (source, header), tempfile.TemporaryDirectory() as spill:
        db = connect(spill)
        try:
            aliases, raw = numbered_rows(str(source), header, mapping, limit)
            picks, problems = _typed(mapping, aliases, text_bounds(kind.table))
            key = KEYS[kind.table.name]
            db.execute(f"CREATE TEMP TABLE raw AS {raw}")
            db.execute(
                f"CREATE TEMP TABLE rows AS SELECT line, {', '.join(picks)}, "
                f"CASE {' '.join(problems)} END AS problem FROM raw"
            )
            db.execute(
                "CREATE TEMP TABLE usable AS SELECT * FROM rows WHERE problem IS NULL QUALIFY "
                f"row_number() OVER (PARTITION BY {key} ORDER BY line DESC) = 1"
            )
            yield _summary(db, kind, mapping)
        except duckdb.Error as error:
            line = re.search(r"CSV Error on Line: (\d+)", str(error))
            where = f" (line {line.group(1)})" if line else ""
            first = str(error).splitlines()[0]
            raise ValidationFailed(str(path), [f"{path}: cannot be read{where}: {first}"]) from None
        finally:
            db.close()


class _Terms:
    """The SELECT terms typing each mapped value, and the CASE branches refusing a row."""

    def __init__(self, mapping: RecordMapping, aliases: dict[str, str], bounds: dict[str, int]):
        self.mapping, self.aliases, self.bounds = mapping, aliases, bounds
        self.picks: list[str] = []
        self.problems: list[str] = []

    def value(self, field: str) -> str | None:
        column = getattr(self.mapping.columns, field)
        return self.aliases[column] if column else None

    def required(self, field: str, what: str) -> None:
        column = getattr(self.mapping.columns, field)
        reason = text(f"{column}: {what} is missing")
        self.problems.insert(0, f"WHEN {self.aliases[column]} IS NULL THEN {reason}")

    def texts(self, fields: tuple[str, ...], names: dict[str, str] | None = None) -> None:
        for field in fields:
            stored = (names or {}).get(field, field)
            value = self.value(field)
            self.picks.append(f"{value or 'NULL::VARCHAR'} AS {stored}")
            if value:
                column = getattr(self.mapping.columns, field)
                self.problems += too_long(value, column, self.bounds, stored)

    def times(self, fields: tuple[str, ...]) -> None:
        fmt = self.mapping.timestamp_format
        for field in fields:
            value, at = self.value(field), self.at(field)
            self.picks.append(f"{at} AS {field}_at")
            if value:
                column = getattr(self.mapping.columns, field)
                self.problems.append(
                    f"WHEN {value} IS NOT NULL AND {at} IS NULL "
                    f"THEN {text(f'{column}: not a time in {fmt!r}')}"
                )

    def flag(self, field: str) -> None:
        """True when one of ``true_values``; NULL (unknown) when not mapped."""
        value = self.value(field)
        trues = any_of([v.lower() for v in self.mapping.true_values])
        self.picks.append(f"{f'(lower({value}) IN {trues})' if value else 'NULL'} AS {field}")

    def present(self, field: str, stored: str) -> None:
        """True when the column holds any text; NULL (unknown) when not mapped."""
        value = self.value(field)
        self.picks.append(f"{f'({value} IS NOT NULL)' if value else 'NULL'} AS {stored}")

    def later(self, first: str, then: str, reason: str) -> None:
        self.problems.append(f"WHEN {self.at(then)} < {self.at(first)} THEN {text(reason)}")

    def at(self, field: str) -> str:
        value = self.value(field)
        return moment(value, self.mapping.timestamp_format) if value else "NULL::TIMESTAMP"


def _typed(
    mapping: RecordMapping, aliases: dict[str, str], bounds: dict[str, int]
) -> tuple[list[str], list[str]]:
    terms = _Terms(mapping, aliases, bounds)
    if isinstance(mapping, ProblemMapping):
        _problem(terms, mapping)
    else:
        _sla(terms, mapping)
    return terms.picks, terms.problems


def _problem(terms: _Terms, mapping: ProblemMapping) -> None:
    terms.texts(("id", "state"), {"id": "number"})
    terms.times(PROBLEM_TIMES)
    terms.texts(PROBLEM_TEXTS)
    terms.flag("known_error")
    terms.present("workaround", "has_workaround")
    fix = terms.value("fix")
    fixed = f"({fix} IS NOT NULL)" if fix else "NULL"
    if fix and mapping.fix_values:
        fixed = f"coalesce({fix} IN {any_of(mapping.fix_values)}, false)"
    terms.picks.append(f"{fixed} AS fixed")
    terms.later("opened", "resolved", "resolved before opened")
    terms.later("opened", "closed", "closed before opened")
    terms.required("state", "the state")
    terms.required("id", "the problem id")


def _sla(terms: _Terms, mapping: SlaMapping) -> None:
    terms.texts(("task", "definition", "stage"))
    terms.times(SLA_TIMES)
    terms.flag("has_breached")
    stage = terms.value("stage")
    cancelled = [s.lower() for s in mapping.cancelled_stages]
    terms.picks.append(
        f"coalesce(lower({stage}) IN {any_of(cancelled)}, false) AS cancelled"
        if stage and cancelled
        else "false AS cancelled"
    )
    share = terms.value("business_percentage")
    number = f"try_cast(replace({share}, '%', '') AS DOUBLE)" if share else "NULL::DOUBLE"
    terms.picks.append(f"{number} AS business_percentage")
    if share:
        column = mapping.columns.business_percentage
        terms.problems.append(
            f"WHEN {share} IS NOT NULL AND {number} IS NULL THEN {text(f'{column}: not a number')}"
        )
    own = terms.value("id")
    started = f"strftime({terms.at('start')}, '%Y-%m-%d %H:%M:%S')"
    together = f"concat_ws('|', {terms.value('task')}, {terms.value('definition')}, {started})"
    terms.picks.append(f"{own or together} AS key")
    if own:
        terms.problems += too_long(own, mapping.columns.id or "", terms.bounds, "key")
    terms.later("start", "end", "ended before it started")
    terms.required("start", "the start time")
    terms.required("has_breached", "has_breached")
    terms.required("definition", "the SLA definition")
    terms.required("task", "the task")
    if own:
        terms.required("id", "the SLA id")


PROBLEMS_SQL = (
    "SELECT problem, count(*), list(line ORDER BY line)[1:3] FROM rows "
    "WHERE problem IS NOT NULL GROUP BY problem ORDER BY count(*) DESC, problem"
)


def _repeated(kind: Kind, mapping: RecordMapping) -> str:
    """The rows whose record is on another line too: the last usable one is kept."""
    key = KEYS[kind.table.name]
    named = mapping.columns.id if isinstance(mapping, ProblemMapping) else "the same SLA"
    reason = f"{named}: the same {kind.noun} is on a later line; the last usable is kept"
    return (
        f"SELECT {text(reason)} AS problem, count(*), list(line ORDER BY line)[1:3] FROM "
        f"(SELECT line, lead(line) OVER (PARTITION BY {key} ORDER BY line) AS later FROM rows "
        f"WHERE {key} IS NOT NULL) WHERE later IS NOT NULL GROUP BY problem"
    )


def _summary(db: duckdb.DuckDBPyConnection, kind: Kind, mapping: RecordMapping) -> RecordsRead:
    counts = db.execute("SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM usable)")
    rows, usable = counts.fetchone() or (0, 0)
    rejected = [
        Rejected(reason, count, [str(e) for e in examples])
        for query in (PROBLEMS_SQL, _repeated(kind, mapping))
        for reason, count, examples in db.execute(query).fetchall()
    ]
    return RecordsRead(kind, rows, usable, rejected, db)


def _record(kind: Kind, row: tuple[Any, ...]) -> dict[str, Any]:
    record = dict(zip(kind.output, row, strict=True))
    for field, value in record.items():
        if field.endswith("_at") and value is not None:
            record[field] = as_utc(value)
    return record
