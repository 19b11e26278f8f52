"""Reading a change management export into change records, as its mapping says.

One row per change. Every row is read and checked before anything is written, by DuckDB like
the incident exports (``export_sql``): mapped values cleaned (trimmed, the missing marker made
NULL) and typed, the outcome classified by the mapping's lists, and why a row cannot be used. A
repeated id: the last usable row wins.
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

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.records.change_mapping import ChangeMapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.opportunities.export_file import readable_csv
from ci_workflow.opportunities.export_sql import moment, numbered_rows, text, too_long
from ci_workflow.opportunities.incident_export import Rejected, connect, load_model
from ci_workflow.store.intake.change_records import TABLE
from ci_workflow.store.intake.incidents import text_bounds

TIMES = ("opened", "planned_start", "planned_end", "closed")
TEXTS = ("service", "type", "risk", "close_code")
# The change_record table's columns, in the order the records are read.
OUTPUT = ("number", "state", "outcome", *(f"{t}_at" for t in TIMES), *TEXTS)


def load_change_mapping(path: Path) -> ChangeMapping:
    return load_model(path, ChangeMapping)


@dataclass
class ChangesRead:
    """What a change export holds, checked: rows, usable changes, what was left out and why."""

    rows: int
    changes: int
    rejected: list[Rejected]
    _db: duckdb.DuckDBPyConnection

    def problems(self, path: Path) -> list[str]:
        return [f"{path}: {r.count} row(s): {r.reason} ({r.shown('line')})" for r in self.rejected]

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The usable changes as the change_record table's fields."""
        cap = f" LIMIT {int(limit)}" if limit else ""
        rows = self._db.execute(f"SELECT {', '.join(OUTPUT)} FROM changes ORDER BY number{cap}")
        return [_record(row) for row in rows.fetchall()]


@contextmanager
def read_changes(
    path: Path, mapping: ChangeMapping, *, limit: int | None = None
) -> Iterator[ChangesRead]:
    """Read and check the whole export (or its first ``limit`` rows); nothing is written."""
    with readable_csv(path, mapping) as (source, header), tempfile.TemporaryDirectory() as spill:
        db = connect(spill)
        try:
            db.execute(load_rows(str(source), header, mapping, limit))
            db.execute(USABLE)
            yield _summary(db, mapping)
        except duckdb.Error as error:
            line = re.search(r"CSV Error on Line: (\d+)", str(error))
            where = f" (line {line.group(1)})" if line else ""
            first = str(error).splitlines()[0]
            raise ValidationFailed(str(path), [f"{path}: cannot be read{where}: {first}"]) from None
        finally:
            db.close()


def load_rows(source: str, header: list[str], mapping: ChangeMapping, limit: int | None) -> str:
    """Every row (numbered by its line, the header being line 1), typed, its outcome and why it
    cannot be used (NULL when it can)."""
    c, fmt, bounds = mapping.columns, mapping.timestamp_format, text_bounds(TABLE)
    aliases, raw = numbered_rows(source, header, mapping, limit)
    picks = ["line", f"{aliases[c.id]} AS number", f"{aliases[c.state]} AS state"]
    problems = [
        f"WHEN {aliases[c.id]} IS NULL THEN {text(f'{c.id}: the change id is missing')}",
        f"WHEN {aliases[c.state]} IS NULL THEN {text(f'{c.state}: the state is missing')}",
        *too_long(aliases[c.id], c.id, bounds, "number"),
        *too_long(aliases[c.state], c.state, bounds, "state"),
    ]
    for field in TIMES:
        column = getattr(c, field)
        at = moment(aliases[column], fmt) if column else "NULL::TIMESTAMP"
        picks.append(f"{at} AS {field}_at")
        if column:
            problems.append(
                f"WHEN {aliases[column]} IS NOT NULL AND {at} IS NULL "
                f"THEN {text(f'{column}: not a time in {fmt!r}')}"
            )
    for field in TEXTS:
        column = getattr(c, field)
        picks.append(f"{aliases[column] if column else 'NULL::VARCHAR'} AS {field}")
        if column:
            problems += too_long(aliases[column], column, bounds, field)
    picks.append("CASE " + " ".join(problems) + " END AS problem")
    # Two statements: the numbering reads the file in one thread; the typing then runs on all.
    return (
        f"CREATE TEMP TABLE raw AS {raw}; "
        f"CREATE TEMP TABLE typed AS SELECT {', '.join(picks)} FROM raw; DROP TABLE raw; "
        f"CREATE TEMP TABLE rows AS SELECT * REPLACE ({_checked()} AS problem), "
        f"{_outcome(mapping)} AS outcome FROM typed"
    )


def _checked() -> str:
    return (
        "CASE WHEN problem IS NOT NULL THEN problem "
        "WHEN closed_at < opened_at THEN 'closed before opened' "
        "WHEN planned_end_at < planned_start_at THEN 'planned to end before it starts' END"
    )


def _outcome(mapping: ChangeMapping) -> str:
    def among(expression: str, values: list[str]) -> str:
        if not values:
            return "false"
        return f"coalesce({expression} IN ({', '.join(text(v) for v in values)}), false)"

    by_code = among("close_code", mapping.failed_close_codes)
    failed = f"{among('state', mapping.failed_states)} OR {by_code}"
    closed = among("state", mapping.closed_states)
    return f"CASE WHEN {failed} THEN 'failed' WHEN {closed} THEN 'closed' ELSE 'open' END"


USABLE = (
    "CREATE TEMP TABLE changes AS SELECT * FROM rows WHERE problem IS NULL "
    "QUALIFY row_number() OVER (PARTITION BY number ORDER BY line DESC) = 1"
)
PROBLEMS = (
    "SELECT problem, count(*), list(line ORDER BY line)[1:3] FROM rows "
    "WHERE problem IS NOT NULL GROUP BY problem ORDER BY count(*) DESC, problem"
)


def repeated_ids(mapping: ChangeMapping) -> str:
    """The rows whose change id is on another line too: the last usable one is kept."""
    reason = f"{mapping.columns.id}: the same change id is on a later line; the last usable is kept"
    return (
        f"SELECT {text(reason)} AS problem, count(*), list(line ORDER BY line)[1:3] FROM "
        "(SELECT line, lead(line) OVER (PARTITION BY number ORDER BY line) AS later FROM rows "
        "WHERE number IS NOT NULL) WHERE later IS NOT NULL GROUP BY problem"
    )


def _summary(db: duckdb.DuckDBPyConnection, mapping: ChangeMapping) -> ChangesRead:
    counts = db.execute("SELECT (SELECT count(*) FROM rows), (SELECT count(*) FROM changes)")
    rows, changes = counts.fetchone() or (0, 0)
    rejected = [
        Rejected(reason, count, [str(e) for e in examples])
        for query in (PROBLEMS, repeated_ids(mapping))
        for reason, count, examples in db.execute(query).fetchall()
    ]
    return ChangesRead(rows, changes, rejected, db)


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    record = dict(zip(OUTPUT, row, strict=True))
    for field in TIMES:
        if record[f"{field}_at"] is not None:
            record[f"{field}_at"] = as_utc(record[f"{field}_at"])
    return record
