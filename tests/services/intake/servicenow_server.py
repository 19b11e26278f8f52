"""A ServiceNow Table API on loopback, as ServiceNow documents it, for the connector's tests.

``GET /api/now/table/{table}`` with basic authentication; ``sysparm_query`` (``field>=value``
and ``field>value`` terms and ``ORDERBYfield``, joined by ``^``), ``sysparm_fields`` (a field the table lacks is left
out of the answer, as ServiceNow does), ``sysparm_limit``/``sysparm_offset``,
``sysparm_display_value`` (``false``: stored values; ``true``: labels; ``all``: both); the
records in ``{"result": [...]}``, the count the query matches in ``X-Total-Count``; errors as
``{"error": {"message", "detail"}, "status": "failure"}``. A test scripts its faults: answers
queued ahead of the next requests (a 429 with ``Retry-After``, a 500, a page that is not JSON)
and a change made right after a given page is served.

OAuth client credentials as ServiceNow documents them: ``POST /oauth_token.do`` with
``grant_type=client_credentials``, ``client_id`` and ``client_secret`` form-encoded answers
``{"access_token", "token_type": "Bearer", "expires_in"}`` (401 ``{"error": "access_denied"}``
for an unknown client); the Table API then takes ``Authorization: Bearer TOKEN`` while the token
is among ``tokens`` (a test revokes one by clearing them).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.processes import free_port
from tests.servers import send, serving

# A record: each field's stored value and its label (the same for most fields).
Record = dict[str, tuple[str, str]]


@dataclass
class Instance:
    url: str
    # Every table a default connection reads; empty until a test fills it.
    tables: dict[str, list[Record]] = field(default_factory=lambda: {"problem": [], "task_sla": []})
    users: dict[str, str] = field(default_factory=lambda: {"sync.user": "s3cret-Pa55"})
    # Answers sent instead of the next requests': (status, headers, body bytes).
    queued: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    # Called once the page of this many served pages (1 = the first) has been answered.
    after_page: dict[int, Callable[[], None]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=dict)  # OAuth client id: its secret
    tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    pages_served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self, path: str, query: dict[str, str], auth: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append({"path": path, **query})
            if self.queued:
                return self.queued.pop(0)
            if not self._authenticated(auth):
                return _error(401, "User Not Authenticated", "Required to provide Auth information")
            table = path.removeprefix("/api/now/table/")
            if not path.startswith("/api/now/table/") or table not in self.tables:
                return _error(400, f"Invalid table {table}", None)
            matched = _matching(self.tables[table], query.get("sysparm_query", ""))
            offset = int(query.get("sysparm_offset", "0"))
            limit = int(query.get("sysparm_limit", "10000"))
            fields = [f for f in query.get("sysparm_fields", "").split(",") if f]
            shown = query.get("sysparm_display_value", "false")
            page = [_shown(r, fields, shown) for r in matched[offset : offset + limit]]
            self.pages_served += 1
            served = self.pages_served
        if served in self.after_page:
            self.after_page.pop(served)()
        body = json.dumps({"result": page}).encode()
        return 200, {"X-Total-Count": str(len(matched)), "Content-Type": "application/json"}, body

    def token(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append({"path": path, "grant_type": form.get("grant_type", "")})
            client = form.get("client_id", "")
            if path != "/oauth_token.do" or form.get("grant_type") != "client_credentials":
                return 400, {"Content-Type": "application/json"}, b'{"error": "invalid_request"}'
            if client not in self.clients or self.clients[client] != form.get("client_secret"):
                body = b'{"error_description": "access_denied", "error": "server_error"}'
                return 401, {"Content-Type": "application/json"}, body
            self.tokens_issued += 1
            issued = f"token-{self.tokens_issued}"
            self.tokens.add(issued)
        body = {"access_token": issued, "scope": "", "token_type": "Bearer", "expires_in": 1799}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _authenticated(self, auth: str | None) -> bool:
        if auth and auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ") in self.tokens
        if not auth or not auth.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return self.users.get(user) == password


def _error(status: int, message: str, detail: str | None) -> tuple[int, dict[str, str], bytes]:
    body = {"error": {"message": message, "detail": detail}, "status": "failure"}
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _matching(records: list[Record], encoded: str) -> list[Record]:
    found, order = list(records), []
    for term in filter(None, encoded.split("^")):
        if term.startswith("ORDERBY"):
            order.append(term.removeprefix("ORDERBY"))
        elif ">=" in term:
            name, _, value = term.partition(">=")
            found = [r for r in found if r[name][0] >= value]
        elif ">" in term:
            name, _, value = term.partition(">")
            found = [r for r in found if r[name][0] > value]
        else:
            raise AssertionError(f"the connector sent a term this server does not know: {term}")
    for name in reversed(order):
        found.sort(key=lambda r, n=name: r[n][0])  # type: ignore[misc]
    return found


def _shown(record: Record, fields: list[str], display: str) -> dict[str, Any]:
    names = [f for f in (fields or list(record)) if f in record]
    if display == "all":
        return {n: {"display_value": record[n][1], "value": record[n][0]} for n in names}
    return {n: record[n][1 if display == "true" else 0] for n in names}


@contextmanager
def servicenow() -> Iterator[Instance]:
    port = free_port()
    instance = Instance(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, headers, body = instance.answer(
                parts.path, query, self.headers.get("Authorization")
            )
            send(self, status, headers, body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            sent = parse_qs(self.rfile.read(length).decode())
            form = {k: v[-1] for k, v in sent.items()}
            send(self, *instance.token(urlsplit(self.path).path, form))

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            send(self, status, headers, body)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler, port):
        yield instance
