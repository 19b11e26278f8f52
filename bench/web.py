"""Benchmark: the web workspace's server time, on a register of 10,000 improvements.

1. The register page (first page, by priority), 50 requests: median and p95. "My work" (its
   owner owns all 10,000 and decides 1,000 pending gates), the board (all, and "mine") and the
   practice page, 50 requests each.
2. An improvement page with 5 objectives × 1,000 checkpoints, 20 requests; and its 5 charts,
   drawn once (cold) and then as a browser asks again (its ETag: 304).
3. Signing in (Argon2 included), 20 times.
Each next to the floor measured in the same run: `/api/me` (sign-in check, one query, a few bytes
of JSON). Times are whole requests from a client on loopback (`improve web` under uvicorn), so
they include HTTP; prints the figures for docs/performance.md and asserts nothing.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import IMPROVE, ROOT, clean_env
from report import seed

sys.path.insert(0, str(ROOT))
from tests import processes

PASSWORD = "a bench password"


def timed(call: object, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(label: str, values: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(values) * 1000:.0f} ms, "
        f"p95 {p95(values) * 1000:.0f} ms ({len(values)} requests)"
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
            floor = timed(lambda: client.get("/api/me"), 50)
            register = timed(lambda: client.get("/register"), 50)
            work = timed(lambda: client.get("/"), 50)
            board = timed(lambda: client.get("/board"), 50)
            board_mine = timed(lambda: client.get("/board?mine=true"), 50)
            practice = timed(lambda: client.get("/practice"), 50)
            improvement = timed(lambda: client.get("/improvements/IMP-0001"), 20)
            charts = [f"/improvements/IMP-0001/charts/m{p}.svg" for p in range(5)]
            cold = timed(lambda: [client.get(c) for c in charts], 1)
            tags = {c: client.get(c).headers["etag"] for c in charts}
            again = timed(
                lambda: [client.get(c, headers={"If-None-Match": t}) for c, t in tags.items()], 20
            )
            signing = timed(lambda: sign_in(url).close(), 20)
            client.close()
        finally:
            processes.stop(web)
    print(line("floor: /api/me", floor))
    print(line("register page, 10,000 improvements", register))
    print(line('"My work", owner of 10,000, 1,000 gates pending', work))
    print(line("board, 10,000 improvements", board))
    print(line('board, "mine" (all 10,000 are)', board_mine))
    print(line("practice page, 10,000 improvements", practice))
    print(line("improvement page, 5 objectives × 1,000 checkpoints", improvement))
    print(line("its 5 charts, first drawn (all five)", cold))
    print(line("its 5 charts, asked again (all five, 304)", again))
    print(line("sign-in (GET the form, POST it; Argon2 included)", signing))


if __name__ == "__main__":
    main()
