"""Benchmark: a person with a handful of items waits as long on a register of 10,000
improvements as on one of 1,000 (issue 28: pages flat in register size).

Two registers made alike (bench/web.py's: one owner of nearly all, a tenth waiting at a gate for
them), of 1,000 and of 10,000 improvements, each with one more person who owns 12 improvements,
3 of them waiting at their execution-complete gate (bench/load.py's people). Each register is
served by its own `improve web` on loopback; the person signs in to both, and every page is asked
of the two in turn (A B A B, 40 pairs after a warm-up): My work, the board ("mine"), one of
their improvements, a gate of theirs to decide, and the floor (`/api/me`). Prints, per page, the
median of the pair ratios 10,000 ÷ 1,000 (flat: 1.0) with their min and max, and the medians.
Nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import IMPROVE, ROOT, clean_env
from load import seed_people
from web import seeded, sign_in

sys.path.insert(0, str(ROOT))
from tests import processes

SIZES = (1_000, 10_000)
PAIRS = 40


def main() -> None:
    with tempfile.TemporaryDirectory() as small, tempfile.TemporaryDirectory() as large:
        servers, clients, people = [], [], []
        try:
            for home, size in zip((small, large), SIZES, strict=True):
                env = clean_env(home)
                # Improvements past those waiting for the owner (the first tenth executing).
                person = seed_people(seeded(home, env, size), people=1, first_id=size - 99)[1]
                people.append(person)
                port = processes.free_port()
                servers.append(
                    processes.start(
                        [*IMPROVE, "web", "--port", str(port)], env=env, log=Path(home) / "web.log"
                    )
                )
                url = f"http://127.0.0.1:{port}"
                processes.wait_until(
                    lambda url=url: httpx.get(f"{url}/sign-in").status_code == 200,
                    timeout=60,
                    what="improve web",
                )
                clients.append(sign_in(url, str(person["email"])))
            pages = {
                "floor: /api/me": ["/api/me"] * 2,
                "My work": ["/"] * 2,
                'board, "mine"': ["/board?mine=true"] * 2,
                "one of their improvements": [f"/improvements/{p['own'][0]}" for p in people],  # type: ignore[index]
                "a gate of theirs to decide": [f"/improvements/{p['gates'][0]}" for p in people],  # type: ignore[index]
            }
            times = measure(clients, pages)
        finally:
            for client in clients:
                client.close()
            for server in servers:
                processes.stop(server)
    for name, (small_times, large_times) in times.items():
        ratios = [b / a for a, b in zip(small_times, large_times, strict=True)]
        print(
            f"{name}: 10,000 ÷ 1,000 median {statistics.median(ratios):.2f} (min "
            f"{min(ratios):.2f}, max {max(ratios):.2f}); median {statistics.median(small_times):.1f} "
            f"ms at 1,000, {statistics.median(large_times):.1f} ms at 10,000"
        )


def measure(
    clients: list[httpx.Client], pages: dict[str, list[str]]
) -> dict[str, tuple[list[float], list[float]]]:
    """Each page of the two registers in turn (its path in each), milliseconds."""
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pages}
    for round_ in range(PAIRS + 1):
        for name, paths in pages.items():
            for client, path, kept in zip(clients, paths, times[name], strict=True):
                start = time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                assert answer.status_code == 200, (path, answer.status_code)
                if round_:  # the first round warms each page
                    kept.append(elapsed)
    return times


if __name__ == "__main__":
    main()
