"""A Jira site on loopback, as Atlassian documents its REST API, for the connector's tests.

``GET /rest/api/2/serverInfo`` (``deploymentType``: ``Cloud`` or ``Server``), ``/myself`` (the
user's ``timeZone``), ``/status`` (each status's category), the search (Cloud: ``GET
/rest/api/3/search/jql`` with ``nextPageToken`` and ``isLast``, the old ``/search`` gone with
410; Data Center: ``GET /rest/api/2/search`` with ``startAt`` and ``total``), ``fields`` (a field
the issue lacks is left out), ``expand=changelog`` (Cloud embeds the 40 newest entries, newest
first, with their ``total``) and ``GET /rest/api/3/issue/{key}/changelog`` (oldest first, paged).
Cloud authenticates an e-mail and API token (basic), Data Center a personal access token
(bearer). The JQL this serves: ``field = value`` (issuetype, project), ``updated >= "yyyy-MM-dd
HH:mm"`` (minutes, in the user's time zone), ``id > N`` (the issue's id, given when it is first
served and never reused), ``AND``, parentheses, ``ORDER BY updated ASC, key ASC`` or ``ORDER BY
id ASC``; anything else is a 400 with ``errorMessages``, as Jira answers. Times are shown in the
user's zone (``2026-10-01T10:00:00.000+0200``). An issue deleted is gone for good; one archived
(Cloud Premium) is left out of every search until it is restored. A test scripts its faults:
answers queued ahead of the next requests and a change made right after a given search page.
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
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from tests.processes import free_port
from tests.servers import send, serving

Answer = tuple[int, dict[str, str], bytes]
EMBEDDED_HISTORY = 40  # Cloud's search embeds at most this many changelog entries
STATUSES = [("1", "To Do", "new"), ("3", "In Progress", "indeterminate")]
STATUSES += [("10002", "Done", "done"), ("10003", "Resolved", "done"), ("6", "Closed", "done")]
STATUSES += [("10004", "Completed", "done"), ("10005", "Canceled", "done")]
_TERM = re.compile(r'^(\w+)\s*(>=|=|>)\s*"?([^"]*?)"?$')
ORDERS = ("updated ASC, key ASC", "id ASC")
_MINUTE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


@dataclass
class Issue:
    key: str
    updated: datetime  # aware
    fields: dict[str, Any]  # as the API gives them; a datetime is shown in the user's zone
    histories: list[dict[str, Any]] = field(default_factory=list)  # oldest first

    def order(self) -> tuple[datetime, str, int]:
        project, _, number = self.key.partition("-")
        return self.updated, project, int(number)


@dataclass
class Site:
    url: str
    cloud: bool = True
    zone: str = "Europe/Berlin"
    issues: list[Issue] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=lambda: {"sync@example.org": "api-t0ken"})
    tokens: set[str] = field(default_factory=lambda: {"pat-d4ta-center"})  # Data Center's
    most_results: int = 5000  # Jira may give fewer than maxResults asks
    # Archived issues (Cloud Premium): kept, but left out of every search until restored.
    archived: set[str] = field(default_factory=set)
    numbers: dict[str, int] = field(default_factory=dict)  # each key: its issue id, for good
    queued: list[Answer] = field(default_factory=list)
    after_page: dict[int, Callable[[], None]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    pages_served: int = 0
    page_tokens: dict[str, tuple[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, query: dict[str, str], auth: str | None) -> Answer:
        with self.lock:
            self.requests.append({"path": path, **query})
            if self.queued:
                return self.queued.pop(0)
            if not self._authenticated(auth):
                return _error(401, "You are not authenticated. Authentication required.")
            api = "/rest/api/3" if self.cloud else "/rest/api/2"
            if path == "/rest/api/2/serverInfo":
                kind = "Cloud" if self.cloud else "Server"
                return _json({"baseUrl": self.url, "deploymentType": kind})
            if path == f"{api}/myself":
                return _json({"emailAddress": "sync@example.org", "timeZone": self.zone})
            if path == f"{api}/status":
                return _json([_status(s) for s in STATUSES])
            if path.startswith(f"{api}/issue/") and path.endswith("/changelog") and self.cloud:
                return self._changelog(path.split("/")[-2], query)
            if path in ("/rest/api/2/search", "/rest/api/3/search") and self.cloud:
                return _error(410, "The requested API has been removed. Use /search/jql.")
            if path == (f"{api}/search/jql" if self.cloud else f"{api}/search"):
                answer = self._search(query)
                if answer[0] != 200:
                    return answer
                self.pages_served += 1
                served = self.pages_served
            else:
                return _error(404, f"No resource at {path}")
        if served in self.after_page:
            self.after_page.pop(served)()
        return answer

    def _authenticated(self, auth: str | None) -> bool:
        if auth and auth.startswith("Basic ") and self.cloud:
            user, _, token = base64.b64decode(auth[6:]).decode().partition(":")
            return self.users.get(user) == token
        return bool(auth and not self.cloud and auth.removeprefix("Bearer ") in self.tokens)

    def _search(self, query: dict[str, str]) -> Answer:
        jql = query.get("jql", "")
        try:
            found = self._matching(jql)
        except ValueError as error:
            return _error(400, str(error))
        wanted = [f for f in query.get("fields", "").split(",") if f]
        size = min(int(query.get("maxResults", "50")), self.most_results)
        if self.cloud:
            token = query.get("nextPageToken")
            if token and self.page_tokens.get(token, ("", 0))[0] != jql:
                return _error(400, "The provided next page token is invalid or expired.")
            start = self.page_tokens[token][1] if token else 0
        else:
            start = int(query.get("startAt", "0"))
        expand = "changelog" in query.get("expand", "").split(",")
        page = [self._shown(i, wanted, expand) for i in found[start : start + size]]
        body: dict[str, Any] = {"issues": page}
        if not self.cloud:
            body |= {"startAt": start, "maxResults": size, "total": len(found)}
        elif start + size < len(found):
            token = secrets.token_urlsafe(8)
            self.page_tokens[token] = (jql, start + size)
            body |= {"nextPageToken": token, "isLast": False}
        else:
            body["isLast"] = True
        return _json(body)

    def _matching(self, jql: str) -> list[Issue]:
        condition, *ordered = re.split(r"\s+ORDER BY\s+", jql, maxsplit=1)
        order = ordered[0] if ordered else ""
        if order and order not in ORDERS:
            raise ValueError(
                f"Error in the JQL Query: this site orders only as the sync does: {order}"
            )
        for issue in self.issues:  # an issue's id is given when it is created, never reused
            self.numbers.setdefault(issue.key, 10000 + len(self.numbers))
        found = [i for i in self.issues if i.key not in self.archived]
        for term in re.split(r"\s+AND\s+", condition.replace("(", "").replace(")", "").strip()):
            matched = _TERM.match(term.strip())
            if not matched:
                raise ValueError(f"Error in the JQL Query: Expecting operator but got '{term}'.")
            name, operator, value = matched.groups()
            found = [i for i in found if self._meets(i, name, operator, value)]
        if order == "id ASC":
            return sorted(found, key=lambda i: self.numbers[i.key])
        return sorted(found, key=Issue.order)

    def delete(self, key: str) -> None:
        """Deleted in Jira: gone for good, from every search."""
        kept = [i for i in self.issues if i.key != key]
        assert len(kept) == len(self.issues) - 1, f"no issue {key}"
        self.issues[:] = kept

    def _meets(self, issue: Issue, name: str, operator: str, value: str) -> bool:
        if name == "updated" and operator == ">=":
            if not _MINUTE.match(value):
                raise ValueError(
                    f"Date value '{value}' for field 'updated' is invalid. Valid formats "
                    "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'"
                )
            wall = datetime.strptime(value, "%Y-%m-%d %H:%M")
            return issue.updated >= wall.replace(tzinfo=ZoneInfo(self.zone))
        if name == "id" and operator == ">":
            if not value.isdigit():
                raise ValueError(f"The issue key or id '{value}' for field 'id' is invalid.")
            return self.numbers[issue.key] > int(value)
        if name in ("issuetype", "project") and operator == "=":
            part = "name" if name == "issuetype" else "key"
            return str(issue.fields[name][part]).lower() == value.lower()
        raise ValueError(f"Field '{name}' does not exist or you do not have permission to view it.")

    def _shown(self, issue: Issue, wanted: list[str], expand: bool) -> dict[str, Any]:
        values = {"updated": issue.updated, **issue.fields}
        shown = {"id": str(self.numbers[issue.key]), "key": issue.key, "fields": {}}
        shown["fields"] = {n: self._value(values[n]) for n in wanted if n in values}
        if expand:
            newest = list(reversed(issue.histories))
            embedded = newest[:EMBEDDED_HISTORY] if self.cloud else newest
            shown["changelog"] = {
                "startAt": 0,
                "maxResults": len(embedded),
                "total": len(issue.histories),
                "histories": [self._value(h) for h in embedded],
            }
        return shown

    def _changelog(self, key: str, query: dict[str, str]) -> Answer:
        issue = next((i for i in self.issues if i.key == key), None)
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        start, size = int(query.get("startAt", "0")), min(int(query.get("maxResults", "100")), 100)
        values = [self._value(h) for h in issue.histories[start : start + size]]
        last = start + size >= len(issue.histories)
        body = {"startAt": start, "maxResults": size, "total": len(issue.histories)}
        return _json(body | {"isLast": last, "values": values})

    def _value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            local = value.astimezone(ZoneInfo(self.zone))
            return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}{local:%z}"
        if isinstance(value, dict):
            return {k: self._value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(v) for v in value]
        return value


def _status(status: tuple[str, str, str]) -> dict[str, Any]:
    number, name, category = status
    return {"id": number, "name": name, "statusCategory": {"key": category}}


def _json(body: Any) -> Answer:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _error(status: int, message: str) -> Answer:
    body = {"errorMessages": [message], "errors": {}}
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


@contextmanager
def jira(cloud: bool = True) -> Iterator[Site]:
    port = free_port()
    site = Site(f"http://127.0.0.1:{port}", cloud=cloud)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, headers, body = site.answer(
                parts.path, query, self.headers.get("Authorization")
            )
            send(self, status, headers, body)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler, port):
        yield site
