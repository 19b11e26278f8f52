"""Real sources for the metric tests: a SQLite file, CSV files, an HTTP server on loopback."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ci_workflow import metrics
from ci_workflow.domain.sources import validate_source
from ci_workflow.domain.window import Window


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


@contextmanager
def http_server() -> Iterator[tuple[str, Answers]]:
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers.requests.append(self.path)
            time.sleep(answers.delay)
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
            self.wfile.write(payload)

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
