"""The capture at scale: reads bounded per host (two real web servers on loopback that count the
requests they hold at once), and the due objectives split into batches of plain data that are
captured one at a time, each in its own transaction."""

from __future__ import annotations

import json
import pickle
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.clock import utcnow
from ci_workflow.services.measurement.capture import capture_batch, due_batches
from ci_workflow.settings import get_settings
from tests.helpers import Cli, improvement_doc, move_to, objective_doc, write_yaml
from tests.metrics.sources import incident_csv

AS_OF = datetime(2026, 10, 14, 9, tzinfo=UTC)  # weekly cadence: the checkpoint is Mon 12th 06:00


class Crowd:
    """The requests each host holds at once, and the most it ever held. A request is held until
    the requests in flight together first reach ``expected``, or ``patience`` runs out; after
    that none waits again: a capture that reads too few at once fails the test, never hangs it."""

    def __init__(self, expected: int, patience: float = 15.0) -> None:
        self.expected, self.patience = expected, patience
        self.open = False
        self.active: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0
        self.changed = threading.Condition()

    def hold(self, host: str) -> None:
        with self.changed:
            self.active[host] += 1
            self.peak[host] = max(self.peak[host], self.active[host])
            self.peak_total = max(self.peak_total, sum(self.active.values()))
            self.changed.notify_all()
            self.open = self.open or self.peak_total >= self.expected
            self.changed.wait_for(lambda: self.open, self.patience)
            self.open = True
            # Counted out before answering: the reader's next request cannot overlap this one.
            self.active[host] -= 1


@contextmanager
def held_server(address: str, crowd: Crowd) -> Iterator[str]:
    """A web server on ``address`` whose every answer is ``{"value": 1}``, held by ``crowd``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            crowd.hold(host)
            payload = json.dumps({"value": 1}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    host = f"{address}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_capture_reads_hosts_side_by_side_and_each_at_most_the_bound_at_once(
    cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_CAPTURE_READS_PER_HOST", "3")
    monkeypatch.setenv("IMPROVE_HTTP_ALLOW", "127.0.0.0/8")  # both servers are on loopback
    get_settings.cache_clear()
    crowd = Crowd(expected=2 * 3)
    # Two hosts: 127.0.0.2 is loopback too on Linux (the whole 127/8 is).
    with held_server("127.0.0.1", crowd) as first, held_server("127.0.0.2", crowd) as second:
        objectives = [
            objective_doc(
                metric=f"m{n}",
                source={"kind": "http", "url": f"{url}/m{n}", "path": "value", "timeout": 60},
            )
            for n, url in enumerate([first, second] * 7)
        ]
        cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(objectives=objectives))))
        move_to("executing")
        out = cli.ok("capture", "--improvement", "IMP-0001", "--as-of", "2026-10-06").stdout
    assert "14 stored, 0 already there, 0 failed" in out
    assert crowd.peak == {first.removeprefix("http://"): 3, second.removeprefix("http://"): 3}
    assert crowd.peak_total == 6  # both hosts at once


def csv_improvement(cli: Cli, folder: Path, key: str, metrics: int, **doc: Any) -> str:
    """An improvement with ``metrics`` objectives read from one CSV file, applied."""
    source = {
        "kind": "csv",
        "path": str(incident_csv(folder)),
        "timestamp_column": "opened_at",
        "aggregation": "count",
    }
    objectives = [objective_doc(metric=f"m{n}", source=source) for n in range(metrics)]
    cli.ok("apply", str(write_yaml(folder, improvement_doc(key=key, objectives=objectives, **doc))))
    return str(cli.json("show", key)["id"])


def test_due_objectives_come_in_batches_of_whole_improvements_each_stored_on_its_own(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    sizes = {"three": 3, "one": 1, "two": 2}
    refs = {key: csv_improvement(cli, tmp_path, key, n) for key, n in sizes.items()}
    manual = improvement_doc(key="typed-in", objectives=[objective_doc(source={"kind": "manual"})])
    cli.ok("apply", str(write_yaml(tmp_path, manual)))
    for ref in [*refs.values(), "typed-in"]:
        move_to("executing", ref)
    batches = due_batches(AS_OF, size=3)
    # Whole improvements up to 3 objectives a batch, in order; nothing typed in by people.
    assert [(b.kind, b.improvement_ids, len(b.checkpoints)) for b in batches] == [
        ("checkpoint", (1,), 3),
        ("checkpoint", (2, 3), 3),
    ]
    assert batches[1].label == "checkpoints of IMP-0002 to IMP-0003"
    assert {at for b in batches for _, at in b.checkpoints} == {
        datetime(2026, 10, 12, 6, tzinfo=UTC)
    }
    assert pickle.loads(pickle.dumps(batches)) == batches  # plain data, for any task runner
    assert [len(b.checkpoints) for b in due_batches(AS_OF, size=2)] == [3, 1, 2]

    first = capture_batch(batches[0])
    assert (len(first.stored), first.unchanged, first.failed) == (3, 0, [])
    assert [len(b.checkpoints) for b in due_batches(AS_OF, size=3)] == [3]  # the rest only
    again = capture_batch(batches[0])  # a retried task: nothing read again
    assert (again.stored, again.unchanged) == ([], 3)
    assert len(capture_batch(batches[1]).stored) == 3
    assert due_batches(AS_OF) == []
    values = {s["value"] for ref in refs.values() for s in cli.json("snapshots", ref)}
    assert values == {4.0}  # four incidents opened in the 30 days before the checkpoint


def test_closed_improvements_in_their_sustainment_period_come_in_batches_of_their_own(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    executing = csv_improvement(cli, tmp_path, "executing", 1)
    closed = csv_improvement(cli, tmp_path, "closed", 2)
    move_to("executing", executing)
    move_to("closed", closed)
    later = utcnow() + timedelta(days=8)  # past its first weekly cadence after closing
    batches = due_batches(later, size=50)
    assert [(b.kind, b.improvement_ids) for b in batches] == [
        ("checkpoint", (1,)),
        ("sustain", (2,)),
    ]
    result = capture_batch(batches[1])
    assert len(result.stored) == 2
    assert {s["kind"] for s in cli.json("snapshots", closed)} == {"sustain"}


def test_a_batch_whose_source_fails_stores_the_failure_and_the_rest(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    good = csv_improvement(cli, tmp_path, "good", 1)
    missing = {"kind": "sql", "url": f"sqlite:///{tmp_path / 'missing.db'}", "query": "SELECT 1"}
    bad = improvement_doc(key="bad", objectives=[objective_doc(metric="lost", source=missing)])
    cli.ok("apply", str(write_yaml(tmp_path, bad)))
    move_to("executing", good)
    move_to("executing", "bad")
    (batch,) = due_batches(AS_OF)
    result = capture_batch(batch)
    assert (len(result.stored), result.failed) == (1, ["IMP-0002 lost: missing.db: no such file"])
    # A retry reads the failed source again, and only it; the stored failure stays as it was.
    retried = capture_batch(batch)
    assert (retried.stored, retried.unchanged, len(retried.failed)) == ([], 2, 1)
    (failure,) = cli.json("snapshots", "bad")
    assert failure["error"] == "missing.db: no such file"
