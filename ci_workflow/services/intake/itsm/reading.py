"""A table read from its cursor on, page after page, into a CSV file (any connector).

Pages move the cursor rather than an offset over one fixed query (``domain.records.itsm_sync``):
a record updated while the pages are read comes again at the end, and a record read twice keeps
its later version. A read stops early (``more``) at ``max_pages`` pages or ``max_seconds``; the
cursor is exact at any page boundary, so the next sync reads on from it.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ci_workflow.domain.records.itsm_sync import Cursor, MissingField
from ci_workflow.services.intake.itsm.http import ConnectorError, Http, Page

PAGE = 1000
MAX_PAGES = 500
MAX_SECONDS = 900.0


class Connector(Protocol):
    """One tool's API as a connection reads it: its records' id and update-time fields (the
    read's order), a page of a table from a cursor on, and a record as text."""

    key: str
    updated: str
    http: Http

    def page(
        self, table: str, cursor: Cursor, fields: list[str], limit: int, offset: int = 0
    ) -> Page: ...

    def flatten(
        self, record: Mapping[str, Any], fields: Iterable[str], times: frozenset[str]
    ) -> dict[str, str]: ...


@runtime_checkable
class Session(Protocol):
    """A connector that opens a session on the tool (GLPI's), to end when done."""

    def close(self) -> None: ...


@contextmanager
def opened(api: Connector) -> Iterator[Connector]:
    """The connector for a sync or a test; its session, if it keeps one, ended after, and its
    HTTP connection closed."""
    try:
        yield api
    finally:
        try:
            if isinstance(api, Session):
                api.close()
        finally:
            api.http.close()


@dataclass
class Limits:
    page_size: int = PAGE
    max_pages: int = MAX_PAGES
    max_seconds: float = MAX_SECONDS
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Read:
    """One table read into ``path``: the rows, the cursor after them, whether more wait."""

    path: Path
    rows: int = 0
    cursor: Cursor = field(default_factory=Cursor)
    more: bool = False


def missing_field(table: str, name: str) -> str:
    return f"{table}: the field {name!r} is not in the answer: is the mapping's column right?"


def read_table(
    api: Connector,
    table: str,
    columns: list[str],
    *,
    id_column: str,
    times: frozenset[str],
    cursor: Cursor,
    limits: Limits,
    path: Path,
) -> Read:
    """Read the table from ``cursor`` on into a CSV file of ``columns`` (the mapping's), each
    field as the connector gives it as text."""
    key, updated = api.key, api.updated
    fields = sorted({*columns, key, updated})
    read = Read(path, cursor=cursor)
    deadline = time.monotonic() + limits.max_seconds
    lines: dict[str, int] = {}  # each record's id: its last line
    with read.path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        offset = pages = 0
        while True:
            if pages >= limits.max_pages or time.monotonic() > deadline:
                read.more = True
                break
            page = api.page(table, read.cursor, fields, limits.page_size, offset)
            pages += 1
            try:
                flat = [api.flatten(r, fields, times) for r in page.records]
            except MissingField as missing:
                raise ConnectorError(missing_field(table, str(missing))) from None
            fresh = [r for r in flat if read.cursor.fresh(r[key], r[updated])]
            for row in fresh:
                writer.writerow([row[c] for c in columns])
                read.rows += 1
                lines[row[id_column]] = read.rows
            read.cursor = read.cursor.after((r[key], r[updated]) for r in fresh)
            if _last(page, offset, limits.page_size):
                break
            offset = 0 if fresh else offset + len(page.records)
    if len(lines) < read.rows:
        _keep_last(read.path, set(lines.values()))
    return read


def _last(page: Page, offset: int, size: int) -> bool:
    """The page read the query's last records (as the tool says, by its total, or a short
    page)."""
    count, total = len(page.records), page.total
    if page.last is not None:
        return page.last or count == 0
    return count == 0 or (offset + count >= total if total is not None else count < size)


def _keep_last(path: Path, kept: set[int]) -> None:
    """Drop the lines of records read again later (their newer version is kept)."""
    older = path.with_suffix(".all")
    path.rename(older)
    with (
        older.open(encoding="utf-8", newline="") as source,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        for number, row in enumerate(csv.reader(source)):
            if number == 0 or number in kept:
                writer.writerow(row)
    older.unlink()
