"""GLPI's REST API (``apirest.php``, GLPI 9.5 and 10), read a page at a time.

A session is opened once (``initSession``: the user token, or the user and password, with the
App-Token when the secret has one), each request carries its ``Session-Token``, and it is ended
(``killSession``) when the sync is done. A session that expires mid-sync is opened again, once
per request. Each page is ``search/{Ticket|Change|Problem}`` with the criteria, sort and range of
``domain.records.glpi_search``, the mapped search options in ``forcedisplay``; the mapping's
names are resolved once per table (``listSearchOptions``). The answer is ``{"totalcount",
"data": [{option id: value}]}`` (200, or 206 when partial); an error is ``["ERROR_...",
"message"]``. ``Log:reassignments`` reads each new ticket's history (``Ticket/{id}/Log``, at most
``LOG_PAGES`` requests of ``LOG_PAGE`` lines), only when the mapping names it. Times are in
the session's time zone: when GLPI says one (``glpi_tz``, the account's), they are read into UTC
and the cursor is asked in it. Noticing deletions lists an itemtype's ids by id: an item put in
the trash (``is_deleted``) is left out of search as one purged is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from ci_workflow.domain.records import glpi_search as rules
from ci_workflow.domain.records.itsm_sync import Cursor, MissingField
from ci_workflow.errors import UsageError
from ci_workflow.services.intake.itsm import mappings
from ci_workflow.services.intake.itsm.http import ConnectorError, Http, Page, json_body

# Each GLPI itemtype read: the records it becomes in the register.
TABLES = {"Ticket": "incidents", "Change": "changes", "Problem": "problems"}
MAPPING = mappings.GLPI
LOG_PAGE, LOG_PAGES = 1000, 5
UTC_NAMES = {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"}
SESSION_GONE = {"ERROR_SESSION_TOKEN_INVALID", "ERROR_SESSION_TOKEN_MISSING"}
REFUSED = {"ERROR_GLPI_LOGIN", "ERROR_GLPI_LOGIN_USER_TOKEN", "ERROR_LOGIN_PARAMETERS_MISSING"}


def check_secret(user: str | None, secret: str | None) -> None:
    """A GLPI connection's secret at ``add``: there is one, and its App-Token part is whole."""
    if not secret:
        raise UsageError(
            "--secret-stdin: a GLPI connection reads its user token (or, with --user, the "
            "password) from standard input"
        )
    try:
        rules.credentials(secret)
    except ValueError as error:
        raise UsageError(f"--secret-stdin: {error}") from None


class Glpi:
    """One GLPI's REST API, as one account, in one session."""

    key, updated = rules.ITEM_ID, rules.UPDATED
    keyset = key  # the deletions' listing pages by it too

    def __init__(
        self,
        url: str,
        user: str | None,
        secret: str | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        base = url if url.rstrip("/").endswith("apirest.php") else f"{url.rstrip('/')}/apirest.php"
        try:
            given = rules.credentials(secret or "")
        except ValueError as error:
            raise ConnectorError(f"the connection's secret: {error}") from None
        headers = {"App-Token": given.app_token} if given.app_token else {}
        self.http = Http(base, sleep=sleep, said=_said, headers=headers)
        self._user, self._credential = user, given.credential
        self._session: str | None = None
        self._zone: tzinfo | None = None  # the session's time zone, when GLPI says one not UTC
        self._listed: dict[str, dict[str, Any]] = {}  # table: its search options

    def page(
        self, table: str, cursor: Cursor, fields: list[str], limit: int, offset: int = 0
    ) -> Page:
        options = self._resolved(table, fields)
        shown = sorted({options[f] for f in fields if f in options}, key=int)
        asked = cursor
        if self._zone is not None and cursor.at is not None:
            asked = Cursor(_shifted(cursor.at, UTC, self._zone), cursor.ties)
        params = rules.search_params(asked, shown, offset, limit, incidents=table == "Ticket")
        where = f"{table} (from {offset})"
        answer = self._get(f"/search/{table}", params, where)
        if _code(answer) == "ERROR_RANGE_EXCEED_TOTAL":
            return Page([], offset)  # rows gone since the last page: nothing after them
        body = _body(answer, table, where)
        if not isinstance(body, dict):
            raise ConnectorError(f"{where}: the answer is not a search result")
        records = _records(body, options, fields, where)
        if rules.REASSIGNMENTS in fields:
            for record in records:
                updated = self._utc(rules.text(record.get(self.updated)))
                fresh = cursor.fresh(str(record.get(self.key)), updated)
                counted = self._reassignments(table, record.get(self.key)) if fresh else 0
                record[rules.REASSIGNMENTS] = counted
        total = body.get("totalcount")
        return Page(records, total if isinstance(total, int) else None)

    def ids(self, table: str, field: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` items (id and ``field``; not those in the trash) by id, after
        ``after``: never by a range's offset, so an item deleted while the list is read moves
        none of the others out of it. Fewer rows than asked: asked on while the count says so."""
        fields = [self.keyset, field]
        options = self._resolved(table, fields)
        shown = sorted(set(options.values()), key=int)
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            where = f"{table} (ids after {after})"
            try:
                params = rules.ids_params(
                    after, shown, limit - len(found), incidents=table == "Ticket"
                )
            except ValueError as error:
                raise ConnectorError(f"{where}: {error}") from None
            answer = self._get(f"/search/{table}", params, where)
            if _code(answer) == "ERROR_RANGE_EXCEED_TOTAL":
                break  # nothing after the last one
            body = _body(answer, table, where)
            if not isinstance(body, dict):
                raise ConnectorError(f"{where}: the answer is not a search result")
            records = _records(body, options, fields, where)
            found += records
            total = body.get("totalcount")
            if not records or not isinstance(total, int) or total <= len(records):
                break
            after = rules.text(records[-1].get(self.keyset))
        return found

    def flatten(
        self, record: Mapping[str, Any], fields: Iterable[str], times: frozenset[str]
    ) -> dict[str, str]:
        flat = {}
        for name in fields:
            if name not in record:
                raise MissingField(name)
            value = rules.text(record[name])
            flat[name] = self._utc(value) if name in times else value
        return flat

    def _utc(self, value: str) -> str:
        """A time GLPI gave in the session's time zone, in UTC."""
        if self._zone is None or not value:
            return value
        try:
            return _shifted(value, self._zone, UTC)
        except ValueError:
            return value  # not a time: the import says so

    def close(self) -> None:
        """End the session (a failure to: GLPI ends it itself when it expires)."""
        if self._session is None:
            return
        with suppress(ConnectorError):
            self.http.get("/killSession", {}, "killSession")
        self._session = None
        self.http.headers.pop("Session-Token", None)

    def _resolved(self, table: str, fields: list[str]) -> dict[str, str]:
        """Each mapped name's search option (the table's options listed once)."""
        if table not in self._listed:
            where = f"listSearchOptions/{table}"
            listed = _body(self._get(f"/{where}", {}, where), table, where)
            if not isinstance(listed, dict):
                raise ConnectorError(f"{where}: the answer is not a list of search options")
            self._listed[table] = listed
        resolved = {}
        for name in fields:
            if name in rules.DERIVED:
                continue
            try:
                resolved[name] = rules.option_id(name, self._listed[table], table)
            except ValueError as error:
                raise ConnectorError(str(error)) from None
        return resolved

    def _reassignments(self, table: str, item: Any) -> int:
        history: list[Any] = []
        for n in range(LOG_PAGES):
            params = {"range": f"{n * LOG_PAGE}-{(n + 1) * LOG_PAGE - 1}"}
            where = f"{table} {item} history"
            answer = self._get(f"/{table}/{item}/Log", params, where)
            if _code(answer) == "ERROR_RANGE_EXCEED_TOTAL":
                break
            lines = _body(answer, table, where)
            if not isinstance(lines, list):
                raise ConnectorError(f"{where}: the answer is not a list of history lines")
            history += [line for line in lines if isinstance(line, dict)]
            total = rules.content_total(answer.headers.get("content-range"))
            if total is None or len(history) >= total:
                break
        return rules.reassignments(history)

    def _get(self, path: str, params: dict[str, Any], where: str) -> httpx.Response:
        """A GET in the session (opened when there is none, and again once if it expired)."""
        if self._session is None:
            self._open()
        answer = self.http.get(path, params, where)
        if answer.status_code == 401 and _code(answer) in SESSION_GONE:
            self._open()
            answer = self.http.get(path, params, where)
        return answer

    def _open(self) -> None:
        self.http.headers.pop("Session-Token", None)
        if self._user:
            self.http.auth = (self._user, self._credential)
        else:
            self.http.headers["Authorization"] = f"user_token {self._credential}"
        try:
            answer = self.http.get("/initSession", {"get_full_session": "true"}, "initSession")
        finally:
            self.http.auth = None
            self.http.headers.pop("Authorization", None)
        body = _body(answer, "initSession", "initSession")
        token = body.get("session_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConnectorError("initSession: the answer has no session_token")
        self._session = token
        self.http.headers["Session-Token"] = token
        self._zone = _zone(body.get("session"))


def _records(
    body: dict[str, Any], options: dict[str, str], fields: list[str], where: str
) -> list[dict[str, Any]]:
    """A search's rows as records of the mapped names (a name whose option a row lacks left
    out: the sync says which)."""
    rows = body.get("data") or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ConnectorError(f"{where}: the answer's 'data' is not a list of rows")
    return [{f: r[options[f]] for f in fields if options.get(f) in r} for r in rows]


def _zone(session: Any) -> tzinfo | None:
    """The session's time zone (the account's, ``glpi_tz``), when GLPI says one not UTC."""
    name = session.get("glpi_tz") if isinstance(session, dict) else None
    if not isinstance(name, str) or not name or name in UTC_NAMES:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConnectorError(
            f"GLPI's session is in the time zone {name!r}, which this machine does not know: "
            "set the account's time zone to UTC"
        ) from None


def _shifted(text: str, source: tzinfo, target: tzinfo) -> str:
    at = datetime.strptime(text, rules.FORMAT).replace(tzinfo=source)
    return f"{at.astimezone(target):{rules.FORMAT}}"


def _code(answer: httpx.Response) -> str:
    """GLPI's error code (``["ERROR_...", "message"]``), when the answer is one."""
    if answer.status_code < 400:
        return ""
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body[0]) if isinstance(body, list) and body else ""


def _said(answer: httpx.Response) -> str:
    """GLPI's own words of an error answer, when it gives them."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    if not isinstance(body, list) or not body:
        return ""
    message = " ".join(str(part) for part in body[:2]).strip()
    return f": {message[:300]}" if message else ""


def _body(answer: httpx.Response, table: str, where: str) -> Any:
    status, code = answer.status_code, _code(answer)
    if code in REFUSED:
        raise ConnectorError(
            f"GLPI refused the credentials (HTTP {status}{_said(answer)}): check the user token "
            "(or user and password) and the App-Token; to change them: improve connections set "
            "NAME --secret-stdin"
        )
    if code in SESSION_GONE:
        raise ConnectorError(f"{where}: GLPI ended the session again (HTTP {status})")
    if code == "ERROR_RIGHT_MISSING":
        raise ConnectorError(f"{table}: the account may not read it (HTTP {status}{_said(answer)})")
    if code == "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM" or status == 404:
        raise ConnectorError(f"{table}: not an itemtype this GLPI serves (HTTP {status})")
    if status not in (200, 206):
        raise ConnectorError(f"{where}: HTTP {status}{_said(answer)}")
    return json_body(answer, where)
