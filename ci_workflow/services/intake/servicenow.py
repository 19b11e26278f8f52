"""ServiceNow's Table API, read a page at a time (``GET /api/now/table/{table}``).

Each page is one GET with ``sysparm_query`` (the sync's encoded query), ``sysparm_fields``,
``sysparm_limit`` and ``sysparm_offset``, ``sysparm_display_value=all`` (a field's stored value
and its label both) and basic authentication. The answer is ``{"result": [...]}`` with the
number of records the query matches in ``X-Total-Count``; an error is ``{"error": {"message",
"detail"}, "status": "failure"}`` with its HTTP status.

A 429 waits as ``Retry-After`` says (at most ``MOST_WAIT`` seconds) and tries again; a page that
fails otherwise (no answer, a 5xx) is tried again after 0.5, 1, 2 s. Wrong credentials, an
unknown table, an answer that is not the API's JSON: one clear error at once, never retried.

``read_table`` reads a table from a cursor on, page after page, into a CSV file.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ci_workflow.domain.records.itsm_sync import Cursor, MissingField, encoded_query, flatten
from ci_workflow.errors import ImproveError

TRIES = 4  # a failing page: the first try and three more
THROTTLED = 5  # 429s waited out per page, on top
BACKOFF = (0.5, 1.0, 2.0)
MOST_WAIT = 30.0  # the longest Retry-After honoured; a longer one waits this long
TIMEOUT = 30.0
MAX_BODY = 64 << 20


class ConnectorError(ImproveError):
    """The tool refused or could not answer: the sync stops and writes nothing."""


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    total: int | None  # X-Total-Count: the records the query matches, from offset 0


@dataclass
class TableApi:
    """One instance's Table API, as one user."""

    url: str
    user: str | None
    secret: str | None
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0  # seconds slept for Retry-After and backoff, all pages

    def page(self, table: str, query: str, fields: list[str], limit: int, offset: int = 0) -> Page:
        params = {
            "sysparm_query": query,
            "sysparm_fields": ",".join(fields),
            "sysparm_limit": str(limit),
            "sysparm_offset": str(offset),
            "sysparm_display_value": "all",
            "sysparm_exclude_reference_link": "true",
        }
        where = f"{table} (offset {offset})"
        failures = throttled = 0
        while True:
            try:
                answer = self._get(table, params)
            except httpx.HTTPError as error:
                failure = f"no answer from {self._host()}: {type(error).__name__}"
            else:
                if answer.status_code == 429 and throttled < THROTTLED:
                    throttled += 1
                    self._wait(_retry_after(answer))
                    continue
                if answer.status_code < 500 and answer.status_code != 429:
                    return _page(answer, table, self._host())
                failure = f"HTTP {answer.status_code}{_said(answer)}"
            failures += 1
            if failures == TRIES:
                raise ConnectorError(f"{where}: {failure} after {TRIES} tries")
            self._wait(BACKOFF[min(failures - 1, len(BACKOFF) - 1)])

    def _get(self, table: str, params: dict[str, str]) -> httpx.Response:
        auth = (self.user, self.secret or "") if self.user else None
        # Not the process's environment: no proxy and no ~/.netrc; its certificate authorities.
        verify = httpx.create_ssl_context(trust_env=True)
        with httpx.Client(
            timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=verify
        ) as client:
            return client.get(
                f"{self.url.rstrip('/')}/api/now/table/{table}",
                params=params,
                auth=auth,
                headers={"Accept": "application/json"},
            )

    def _wait(self, seconds: float) -> None:
        seconds = max(0.0, min(seconds, MOST_WAIT))
        self.waited += seconds
        self.sleep(seconds)

    def _host(self) -> str:
        return httpx.URL(self.url).host or self.url


def _retry_after(answer: httpx.Response) -> float:
    """``Retry-After`` in seconds (a number; a date or nothing: one second)."""
    try:
        return float(answer.headers.get("retry-after", "1"))
    except ValueError:
        return 1.0


def _said(answer: httpx.Response) -> str:
    """The API's own message of an error answer, when it gives one."""
    try:
        error = answer.json().get("error") or {}
    except ValueError:
        return ""
    if not isinstance(error, dict):
        return ""
    message = " ".join(str(error.get(k) or "") for k in ("message", "detail")).strip()
    return f": {message[:300]}" if message else ""


def _page(answer: httpx.Response, table: str, host: str) -> Page:
    status = answer.status_code
    if status == 401:
        raise ConnectorError(
            f"{host} refused the credentials (HTTP 401{_said(answer)}): check the user and "
            "its password; to change them, remove the connection and add it again"
        )
    if status == 403:
        raise ConnectorError(f"{table}: the user may not read this table (HTTP 403{_said(answer)})")
    if status in (400, 404):
        raise ConnectorError(
            f"{table}: not a table this instance serves (HTTP {status}{_said(answer)})"
        )
    if status != 200:
        raise ConnectorError(f"{table}: HTTP {status}{_said(answer)}")
    if len(answer.content) > MAX_BODY:
        raise ConnectorError(f"{table}: the answer is larger than {MAX_BODY >> 20} MiB")
    try:
        body = answer.json()
    except ValueError:
        kind = answer.headers.get("content-type", "no content type")
        raise ConnectorError(
            f"{table}: the answer is not JSON ({kind}): is the URL the instance's own?"
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise ConnectorError(f"{table}: the answer has no list of records ('result')")
    records = [r for r in body["result"] if isinstance(r, dict)]
    if len(records) != len(body["result"]):
        raise ConnectorError(f"{table}: the answer's 'result' holds something not a record")
    total = answer.headers.get("x-total-count")
    return Page(records, int(total) if total and total.isdigit() else None)


PAGE = 1000
MAX_PAGES = 500
MAX_SECONDS = 900.0
KEY, UPDATED = "sys_id", "sys_updated_on"


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
    api: TableApi,
    table: str,
    columns: list[str],
    *,
    id_column: str,
    times: frozenset[str],
    cursor: Cursor,
    limits: Limits,
    path: Path,
) -> Read:
    """Read the table from ``cursor`` on into a CSV file of ``columns`` (the mapping's): a
    time's stored value, every other field's label."""
    fields = sorted({*columns, KEY, UPDATED})
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
            query = encoded_query(read.cursor, UPDATED, KEY)
            page = api.page(table, query, fields, limits.page_size, offset)
            pages += 1
            try:
                flat = [flatten(r, fields, times) for r in page.records]
            except MissingField as missing:
                raise ConnectorError(missing_field(table, str(missing))) from None
            fresh = [r for r in flat if read.cursor.fresh(r[KEY], r[UPDATED])]
            for row in fresh:
                writer.writerow([row[c] for c in columns])
                read.rows += 1
                lines[row[id_column]] = read.rows
            read.cursor = read.cursor.after((r[KEY], r[UPDATED]) for r in fresh)
            if _last(page.total, offset, len(page.records), limits.page_size):
                break
            offset = 0 if fresh else offset + len(page.records)
    if len(lines) < read.rows:
        _keep_last(read.path, set(lines.values()))
    return read


def _last(total: int | None, offset: int, count: int, size: int) -> bool:
    """The page read the query's last records (by X-Total-Count, or a short page)."""
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
