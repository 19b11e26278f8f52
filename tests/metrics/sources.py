"""Real sources for the metric tests: a SQLite file, CSV files, an HTTP server on loopback."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ci_workflow import metrics
from ci_workflow.domain.improvement.sources import validate_source
from ci_workflow.domain.measures.window import Window
from ci_workflow.settings import get_settings
from tests.conftest import POSTGRES_URL


def measure(source: dict[str, Any], window: Window) -> float:
    """A source as a person writes it, checked as apply checks it, then measured."""
    return metrics.measure(validate_source(source), window)


# Incidents: (id, opened, resolved, category, hours to resolve)
INCIDENTS = [
    ("INC1", "2026-10-01 08:00:00", "2026-10-01 18:00:00", "network", 10.0),
    ("INC2", "2026-10-03 09:00:00", "2026-10-03 15:00:00", "network", 6.0),
    ("INC3", "2026-10-05 10:00:00", "2026-10-05 12:00:00", "email", 2.0),
    ("INC4", "2026-10-09 07:00:00", "2026-10-09 11:00:00", "network", 4.0),
    ("INC5", "2026-10-12 07:00:00", "2026-10-12 10:00:00", "network", 3.0),
]


def incident_db(folder: Path) -> Path:
    path = folder / "service_desk.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE incidents (id TEXT, opened_at TEXT, resolved_at TEXT, category TEXT, hours REAL)"
        )
        db.executemany("INSERT INTO incidents VALUES (?, ?, ?, ?, ?)", INCIDENTS)
    return path


def incident_csv(folder: Path) -> Path:
    path = folder / "incidents.csv"
    lines = ["id,opened_at,category,hours,met_sla"]
    lines += [
        f"{i},{o.replace(' ', 'T')},{c},{h},{'yes' if h <= 6 else 'no'}"
        for i, o, _, c, h in INCIDENTS
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


class Answers:
    """What the loopback HTTP server answers, set by each test."""

    def __init__(self) -> None:
        self.body: Any = {"data": {"items": [{"value": 4.25}]}}
        self.failures_left = 0
        self.delay = 0.0
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []  # what each request carried
        self.redirect_to: str | None = None  # answer 302 to there instead
        self.drip = 0.0  # seconds between the bytes of the body, sent one at a time


@contextmanager
def http_server() -> Iterator[tuple[str, Answers]]:
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers.requests.append(self.path)
            answers.headers.append({k.lower(): v for k, v in self.headers.items()})
            time.sleep(answers.delay)
            if answers.redirect_to:
                self.send_response(302)
                self.send_header("Location", answers.redirect_to)
                self.end_headers()
                return
            if answers.failures_left > 0:
                answers.failures_left -= 1
                self.send_response(503)
                self.end_headers()
                return
            payload = (
                answers.body
                if isinstance(answers.body, bytes)
                else json.dumps(answers.body).encode()
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if not answers.drip:
                self.wfile.write(payload)
                return
            for byte in payload:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(answers.drip)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


def mean_hours(
    as_of: datetime, window_start: datetime, window_end: datetime, category: str
) -> float:
    """A python source, for ``kind: python`` tests."""
    hours = [
        h
        for _, o, _, c, h in INCIDENTS
        if c == category
        and window_start.replace(tzinfo=None)
        < datetime.fromisoformat(o)
        <= window_end.replace(tzinfo=None)
    ]
    return sum(hours) / len(hours)


def broken(**_: Any) -> float:
    raise RuntimeError("the upstream API is down")


CHECKOUT = Path(__file__).resolve().parents[2]  # where the ``tests`` package lives


def allow_python(monkeypatch: pytest.MonkeyPatch, *prefixes: str) -> None:
    """Let Python sources name these modules, as an administrator would; the ones in this
    repository (``tests.metrics.sources``) are imported from its checkout, which the
    administrator therefore names too (it is not an installed package)."""
    monkeypatch.setenv("IMPROVE_PYTHON_SOURCE_MODULES", ",".join(prefixes))
    monkeypatch.setenv("IMPROVE_PYTHON_SOURCE_PATH", str(CHECKOUT))
    get_settings.cache_clear()


@dataclass(frozen=True)
class ReaderTable:
    """A PostgreSQL schema with an incidents table, readable by a role made for sources."""

    schema: str
    role: str
    url: str  # connects as the reader role


@pytest.fixture
def postgres_table() -> Iterator[ReaderTable]:
    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    tag = uuid.uuid4().hex[:10]
    schema, role = f"m_{tag}", f"reader_{tag}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        for statement in (
            f"CREATE SCHEMA {schema}",
            f"CREATE TABLE {schema}.incidents (opened_at timestamp, hours float)",
            f"INSERT INTO {schema}.incidents VALUES ('2026-10-02 10:00', 5), ('2026-10-20 10:00', 9)",
            # The documented reader role: log in, use the schema, select; nothing more.
            f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        ):
            connection.execute(text(statement))
    url = make_url(POSTGRES_URL).set(username=role).render_as_string(hide_password=False)
    yield ReaderTable(schema, role, url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        connection.execute(text(f"DROP ROLE {role}"))
    engine.dispose()
