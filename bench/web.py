"""Benchmark: the web workspace's server time, on a register of 10,000 improvements.

1. The register page (first page, by priority), 50 pairs. "My work" (its owner owns all 10,000
   and decides 1,000 pending gates), the board (all, and "mine") and the practice page, 50 pairs
   each.
2. An improvement page with 5 objectives × 1,000 checkpoints, 20 pairs; and its 5 charts, drawn
   once (cold, one pair) and then as a browser asks again (its ETag: 304), 20 pairs.
3. Signing in (GET the form, POST it; Argon2 included), 20 pairs.

Every figure is paired with the floor, `/api/me` (a sign-in check, one query, a few bytes of
JSON), in the same run: the page, then the floor; the next pair the floor, then the page (A B,
B A, after a warm-up pair; ``common.paired``), so each ratio compares two requests made under the
same load. The charts' figures (five requests) pair with five floor requests. Times are whole
requests (wall time: a request's latency is waiting) from a client on loopback (`improve web`
under uvicorn), so they include HTTP. Each line prints the median of the pair ratios (page ÷
floor) with their min and max, both medians, and the page's and the floor's p95; for
docs/performance.md, nothing asserted. ``BENCH_PAIRS=100`` takes more pairs (the improvement
page, charts and sign-in take 2/5 of that).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from common import IMPROVE, ROOT, Paired, clean_env, paired
from report import seed

sys.path.insert(0, str(ROOT))
from tests import processes

PASSWORD = "a bench password"
PAIRS = int(os.environ.get("BENCH_PAIRS", "50"))


def timer(call: Callable[[], object]) -> Callable[[], float]:
    """``call`` as a measurement: the seconds one call takes."""

    def timed() -> float:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start

    return timed


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(label: str, found: Paired) -> str:
    """``Paired.line`` in milliseconds, with the page's and the floor's p95."""
    ms = Paired([t * 1000 for t in found.ours], [t * 1000 for t in found.baseline])
    return (
        f"{ms.line(label, unit='ms', digits=0)}; p95 {p95(ms.ours):.0f} ms, "
        f"floor's p95 {p95(ms.baseline):.0f} ms"
    )


def pending_gates(db: Path, count: int) -> None:
    """``count`` of the executing improvements waiting at their execution-complete gate."""
    import sqlite3
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).isoformat(sep=" ")
    with sqlite3.connect(db) as c:
        ids = [r[0] for r in c.execute("SELECT id FROM improvement WHERE status = 'executing'")]
        c.executemany(
            "INSERT INTO gate_request (improvement_id, gate, attempt, opened_at) "
            "VALUES (?, 'execution_complete', 1, ?)",
            [(i, stamp) for i in ids[:count]],
        )


def sign_in(url: str, email: str = "o@example.org") -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/sign-in").text)
    assert token
    form = {"email": email, "password": PASSWORD, "csrf": token.group(1), "next": "/"}
    answer = client.post("/sign-in", data=form)
    assert answer.status_code == 303, answer.text
    return client


def seeded(home: str, env: dict[str, str], size: int = 10_000) -> Path:
    """The bench's register in ``home``: ``size`` improvements, a tenth of them waiting at a gate
    for their owner, whose password is ``PASSWORD``; its database file."""
    db = Path(home) / "improve.db"
    subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
    seed(db, size)
    pending_gates(db, size // 10)
    subprocess.run(
        [*IMPROVE, "people", "passwd", "o@example.org", "--password-stdin"],
        env=env,
        input=PASSWORD,
        text=True,
        check=True,
        capture_output=True,
    )
    return db


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        seeded(home, env)
        port = processes.free_port()
        url = f"http://127.0.0.1:{port}"
        web = processes.start(
            [*IMPROVE, "web", "--port", str(port)], env=env, log=Path(home) / "web.log"
        )
        try:
            processes.wait_until(
                lambda: httpx.get(f"{url}/sign-in").status_code == 200,
                timeout=60,
                what="improve web",
            )
            client = sign_in(url)
            for path in ("/register", "/improvements/IMP-0001", "/api/me"):  # warm
                assert client.get(path).status_code == 200, path

            def get(path: str, **options: Any) -> None:
                """One request, which must have been answered (a fast error page is no figure)."""
                answer = client.get(path, **options)
                assert answer.status_code in (200, 304), (path, answer.status_code)

            floor = timer(lambda: get("/api/me"))
            few = max(2, PAIRS * 2 // 5)
            pages = [
                ("register page, 10,000 improvements", "/register", PAIRS),
                ('"My work", owner of 10,000, 1,000 gates pending', "/", PAIRS),
                ("board, 10,000 improvements", "/board", PAIRS),
                ('board, "mine" (all 10,000 are)', "/board?mine=true", PAIRS),
                ("practice page, 10,000 improvements", "/practice", PAIRS),
                (
                    "improvement page, 5 objectives × 1,000 checkpoints",
                    "/improvements/IMP-0001",
                    few,
                ),
            ]
            found = {label: paired(timer(partial(get, path)), floor, n) for label, path, n in pages}
            charts = [f"/improvements/IMP-0001/charts/m{p}.svg" for p in range(5)]
            five_floors = timer(lambda: [get("/api/me") for _ in charts])
            found["its 5 charts, first drawn (all five; floor: five /api/me)"] = paired(
                timer(lambda: [get(c) for c in charts]), five_floors, 1, warm_up=False
            )
            tags = {c: client.get(c).headers["etag"] for c in charts}
            found["its 5 charts, asked again (all five, 304; floor: five /api/me)"] = paired(
                timer(lambda: [get(c, headers={"If-None-Match": t}) for c, t in tags.items()]),
                five_floors,
                few,
            )
            found["sign-in (GET the form, POST it; Argon2 included)"] = paired(
                timer(lambda: sign_in(url).close()), floor, few
            )
            client.close()
        finally:
            processes.stop(web)
    print("each page against the floor `/api/me`, the same run, pairs after a warm-up pair:")
    for label, pairs in found.items():
        print(line(label, pairs))


if __name__ == "__main__":
    main()
