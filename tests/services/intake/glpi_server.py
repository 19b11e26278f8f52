"""A GLPI REST API (``apirest.php``) on loopback, as GLPI documents it, for the connector's tests.

``initSession`` (basic authentication or ``Authorization: user_token ...``; the ``App-Token``
header when the API client has one) answers ``{"session_token"}``; every other request needs a
live ``Session-Token`` (else 401 ``["ERROR_SESSION_TOKEN_INVALID", ...]``); ``killSession``
ends it. ``listSearchOptions/{itemtype}``; ``search/{itemtype}`` with ``criteria[n][field|
searchtype|value|link]`` (``equals``; ``morethan``, strict, on a date or the id), ``sort``/
``order``, ``range=start-end`` (inclusive; a start past the count is 400
``ERROR_RANGE_EXCEED_TOTAL``) and ``forcedisplay[n]``: ``{"totalcount", "count", "data":
[{option id: value}]}`` (no ``data`` when nothing matches), 206 when partial, ``Content-Range:
start-end/count``. Items in the trash are left out of search unless it asks ``is_deleted=1``;
items purged are gone. ``{itemtype}/{id}/Log`` pages a ticket's history the same way. Errors are
``["ERROR_...", "message"]``. A test scripts its faults: answers queued ahead of the next
requests and a change after a given search page.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.processes import free_port
from tests.servers import send, serving

PREFIX = "/glpi/apirest.php"
Row = dict[str, Any]  # a row as the search engine gives it: search option id: value
Answer = tuple[int, dict[str, str], bytes]
# GLPI's search options used here, as listSearchOptions gives them in English.
OPTIONS = {
    "Ticket": {
        "1": ("Title", "Ticket.name"),
        "2": ("ID", "Ticket.id"),
        "3": ("Priority", "Ticket.priority"),
        "7": ("Category", "Ticket.ITILCategory.completename"),
        "8": ("Technician group", "Ticket.Group.completename"),
        "12": ("Status", "Ticket.status"),
        "14": ("Type", "Ticket.type"),
        "15": ("Opening date", "Ticket.date"),
        "16": ("Closing date", "Ticket.closedate"),
        "17": ("Resolution date", "Ticket.solvedate"),
        "19": ("Last update", "Ticket.date_mod"),
        "71": ("Requester group", "Ticket.Group.completename"),
        "80": ("Entity", "Ticket.Entity.completename"),
        "82": ("Time to resolve exceeded", "Ticket.is_late"),
    },
    "Change": {
        "1": ("Title", "Change.name"),
        "2": ("ID", "Change.id"),
        "12": ("Status", "Change.status"),
        "15": ("Opening date", "Change.date"),
        "16": ("Closing date", "Change.closedate"),
        "19": ("Last update", "Change.date_mod"),
        "80": ("Entity", "Change.Entity.completename"),
    },
    "Problem": {
        "1": ("Title", "Problem.name"),
        "2": ("ID", "Problem.id"),
        "3": ("Priority", "Problem.priority"),
        "7": ("Category", "Problem.ITILCategory.completename"),
        "8": ("Technician group", "Problem.Group.completename"),
        "12": ("Status", "Problem.status"),
        "15": ("Opening date", "Problem.date"),
        "16": ("Closing date", "Problem.closedate"),
        "17": ("Resolution date", "Problem.solvedate"),
        "19": ("Last update", "Problem.date_mod"),
        "23": ("Solution type", "Problem.SolutionType.name"),
        "60": ("Impacts", "Problem.impactcontent"),
        "61": ("Causes", "Problem.causecontent"),
        "62": ("Symptoms", "Problem.symptomcontent"),
        "80": ("Entity", "Problem.Entity.completename"),
    },
}
ALWAYS = ("1", "2", "80")  # shown whatever forcedisplay says
TIMES = {"15", "16", "17", "19"}
FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Instance:
    url: str  # the GLPI's root, apirest.php below it
    items: dict[str, list[Row]] = field(default_factory=dict)
    history: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    # Items in the trash (is_deleted = 1): kept, left out of search unless it asks for them.
    trash: set[tuple[str, int]] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=lambda: {"glpi-sync": "s3cret-Pa55"})
    user_tokens: dict[str, str] = field(default_factory=dict)  # token: user
    app_token: str | None = None  # the API client's; None: none asked
    sessions_die: bool = False  # every session ends as soon as it is opened
    most_rows: int = 10**6  # GLPI may give fewer rows than a search's range asks
    # The account's time zone (glpi_tz): times are kept in UTC, shown and searched in it.
    timezone: str | None = None
    sessions: set[str] = field(default_factory=set)
    opened: int = 0
    killed: int = 0
    queued: list[Answer] = field(default_factory=list)
    # Called once this many search pages (1 = the first) have been answered.
    after_page: dict[int, Callable[[], None]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    pages_served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, query: list[tuple[str, str]], headers: dict[str, str]) -> Answer:
        with self.lock:
            params = dict(query)
            self.requests.append({"path": path.removeprefix(PREFIX), **params})
            if self.queued:
                return self.queued.pop(0)
            if self.app_token and headers.get("app-token") != self.app_token:
                code = (
                    "ERROR_WRONG_APP_TOKEN_PARAMETER"
                    if "app-token" in headers
                    else ("ERROR_APP_TOKEN_PARAMETERS_MISSING")
                )
                return _error(400, code, "the App-Token is missing or wrong")
            resource = path.removeprefix(PREFIX).strip("/")
            if resource == "initSession":
                return self._init(headers.get("authorization", ""), "get_full_session" in params)
            if self.sessions_die:
                self.sessions.clear()
            if headers.get("session-token") not in self.sessions:
                return _error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
            if resource == "killSession":
                self.sessions.discard(headers["session-token"])
                self.killed += 1
                return _json(200, True)
            served = self._served(resource, params)
        if resource.startswith("search/") and served[0] in (200, 206):
            with self.lock:
                self.pages_served += 1
                count = self.pages_served
            if count in self.after_page:
                self.after_page.pop(count)()
        return served

    def put_in_trash(self, itemtype: str, item: int) -> None:
        assert any(r["2"] == item for r in self.items[itemtype]), f"no {itemtype} {item}"
        self.trash.add((itemtype, item))

    def restore(self, itemtype: str, item: int) -> None:
        self.trash.remove((itemtype, item))

    def purge(self, itemtype: str, item: int) -> None:
        """Deleted for good (from the trash, or at once): gone from every search."""
        kept = [r for r in self.items[itemtype] if r["2"] != item]
        assert len(kept) == len(self.items[itemtype]) - 1, f"no {itemtype} {item}"
        self.items[itemtype][:] = kept
        self.trash.discard((itemtype, item))

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def _init(self, authorization: str, full: bool) -> Answer:
        if authorization.startswith("user_token "):
            if authorization.removeprefix("user_token ") not in self.user_tokens:
                return _error(
                    401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"
                )
        elif authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            if self.users.get(user) != password:
                return _error(401, "ERROR_GLPI_LOGIN", "Incorrect username or password")
        else:
            return _error(400, "ERROR_LOGIN_PARAMETERS_MISSING", "login, password or user_token")
        token = secrets.token_hex(20)
        self.sessions.add(token)
        self.opened += 1
        session = {"glpiname": "glpi-sync"} | ({"glpi_tz": self.timezone} if self.timezone else {})
        return _json(200, {"session_token": token} | ({"session": session} if full else {}))

    def _shown(self, option: str, value: Any) -> Any:
        return self._shift(value, to_utc=False) if option in TIMES and value else value

    def _shift(self, text: str, *, to_utc: bool) -> str:
        if not self.timezone:
            return text
        zone = ZoneInfo(self.timezone)
        source, target = (zone, UTC) if to_utc else (UTC, zone)
        at = datetime.strptime(text, FORMAT).replace(tzinfo=source)
        return f"{at.astimezone(target):{FORMAT}}"

    def _served(self, resource: str, params: dict[str, str]) -> Answer:
        parts = resource.split("/")
        if parts[0] == "listSearchOptions" and parts[1] in OPTIONS:
            listed: dict[str, Any] = {"common": "Characteristics"}
            for number, (name, uid) in OPTIONS[parts[1]].items():
                listed[number] = {"name": name, "uid": uid, "available_searchtypes": []}
            return _json(200, listed)
        if parts[0] == "search" and parts[1] in self.items:
            return self._search(parts[1], params)
        if len(parts) == 3 and parts[2] == "Log" and parts[0] in self.items:
            lines = self.history.get((parts[0], int(parts[1])), [])
            return _ranged(lines, params.get("range", "0-49"), lambda page: page)
        return _error(400, "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", f"{resource} not found")

    def _search(self, itemtype: str, params: dict[str, str]) -> Answer:
        trashed = params.get("is_deleted") == "1"
        rows = [r for r in self.items[itemtype] if ((itemtype, r["2"]) in self.trash) == trashed]
        n = 0
        while f"criteria[{n}][field]" in params:
            option = params[f"criteria[{n}][field]"]
            if option not in OPTIONS[itemtype]:
                return _error(400, "ERROR", "Bad field ID in search criteria")
            kind, value = params[f"criteria[{n}][searchtype]"], params[f"criteria[{n}][value]"]
            if kind == "equals":
                rows = [r for r in rows if str(r[option]) == value]
            elif kind == "morethan" and re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", value):
                rows = [r for r in rows if r[option] > self._shift(value, to_utc=True)]
            elif kind == "morethan" and option == "2" and value.isdigit():
                rows = [r for r in rows if r[option] > int(value)]
            else:
                raise AssertionError(f"a criterion this server does not know: {kind} {value}")
            n += 1
        sort = params.get("sort", "1")
        rows.sort(key=lambda r: (r[sort], r["2"]), reverse=params.get("order") == "DESC")
        shown = {*ALWAYS, *(v for k, v in params.items() if k.startswith("forcedisplay["))}
        unknown = shown - set(OPTIONS[itemtype])
        if unknown:
            return _error(400, "ERROR", f"unknown search options {sorted(unknown)}")

        def body(page: list[Row]) -> dict[str, Any]:
            found = {"totalcount": len(rows), "count": len(page), "sort": [sort]}
            data = [{k: self._shown(k, v) for k, v in r.items() if k in shown} for r in page]
            return found | ({"data": data} if data else {})

        first, _, last = params.get("range", "0-49").partition("-")
        capped = f"{first}-{min(int(last), int(first) + self.most_rows - 1)}"
        return _ranged(rows, capped, body)


def _ranged(found: list[Any], asked: str, body: Callable[[list[Any]], Any]) -> Answer:
    first, _, last = asked.partition("-")
    start, end = int(first), int(last)
    if start > len(found):
        return _error(
            400,
            "ERROR_RANGE_EXCEED_TOTAL",
            f"Provided range exceed total count of data: {len(found)}",
        )
    page = found[start : end + 1]
    headers = {"Accept-Range": "990"}
    if found:
        headers["Content-Range"] = f"{start}-{min(end, len(found) - 1)}/{len(found)}"
    status = 206 if len(page) < len(found) else 200
    return _json(status, body(page), headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(body).encode(),
    )


def _error(status: int, code: str, message: str) -> Answer:
    return _json(status, [code, message])


@contextmanager
def glpi() -> Iterator[Instance]:
    port = free_port()
    instance = Instance(f"http://127.0.0.1:{port}/glpi")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, sent, body = instance.answer(parts.path, parse_qsl(parts.query), headers)
            send(self, status, sent, body)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler, port):
        yield instance
