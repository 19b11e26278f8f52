"""Load test: 20 people signed in to `improve web` at once, on a register of 10,000 improvements.

The register is bench/web.py's (one owner of nearly all 10,000 who decides 1,000 waiting gates),
and 19 more people who each own 12 improvements, 3 of them waiting at their execution-complete
gate. A real `improve web` (uvicorn) serves it on loopback, each page asked once first (warm);
then locust, headless and bounded in time (`--run-time`, 60 s unless told), runs 20 people (the
owner and the 19), each signed in through the real form with its CSRF token, who browse My work,
the register, one of their improvements, the board, the practice page, the portfolio and a gate
they decide, pausing 1 to 3 s between clicks. The floor (`/api/me`) is asked as often as each page in the same run, interleaved.
Prints p50/p95/max per page and overall (pages only), each beside its ratio to the floor's.

    .venv/bin/python bench/load.py [--run-time 60] [--users 20] [--think 1,3] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
from common import IMPROVE, ROOT, clean_env
from web import PASSWORD, p95, seeded, sign_in

sys.path.insert(0, str(ROOT))
from tests import processes

PEOPLE = 19
OWNED_EACH = 12  # every 4th is executing: 3 gates each
FLOOR = "floor: /api/me"
NOT_PAGES = {FLOOR, "sign-in form", "sign-in"}


def seed_people(db: Path, people: int = PEOPLE, first_id: int = 5001) -> list[dict[str, object]]:
    """The 19 people and their improvements from ``first_id`` on (after report.seed and
    web.pending_gates); returns each person's e-mail, their improvements and the gates they
    decide, the owner first."""
    stamp = datetime.now(UTC).isoformat(sep=" ")
    plan: list[dict[str, object]] = [
        {"email": "o@example.org", "own": ["IMP-0001", "IMP-0003"], "gates": ["IMP-0002"]}
    ]
    with sqlite3.connect(db) as c:
        for k in range(people):
            email = f"p{k:02d}@example.org"
            c.execute(
                "INSERT INTO person (name, email, created_at, password_hash) "
                "SELECT ?, ?, ?, password_hash FROM person WHERE id = 1",
                (f"Person {k:02d}", email, stamp),
            )
            person = c.execute("SELECT id FROM person WHERE email = ?", (email,)).fetchone()[0]
            first = first_id + k * OWNED_EACH
            ids = list(range(first, first + OWNED_EACH))
            c.executemany(
                "UPDATE improvement SET owner_id = ? WHERE id = ?", [(person, i) for i in ids]
            )
            gated = [
                i
                for (i,) in c.execute(
                    f"SELECT id FROM improvement WHERE status = 'executing' AND id BETWEEN {ids[0]} AND {ids[-1]}"
                )
            ]
            c.executemany(
                "INSERT INTO gate_request (improvement_id, gate, attempt, opened_at) "
                "VALUES (?, 'execution_complete', 1, ?)",
                [(i, stamp) for i in gated],
            )
            plan.append(
                {
                    "email": email,
                    "own": [f"IMP-{i:04d}" for i in ids if i not in gated],
                    "gates": [f"IMP-{i:04d}" for i in gated],
                }
            )
    return plan


def report(times: list[tuple[str, float, bool]], seconds: int) -> None:
    by_name: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    for name, ms, ok in times:
        by_name.setdefault(name, []).append(ms)
        failed[name] = failed.get(name, 0) + (not ok)
    floor = by_name[FLOOR]
    pages = [ms for name, values in by_name.items() if name not in NOT_PAGES for ms in values]
    print(f"{len(times)} requests in {seconds} s; ms: p50 / p95 / max (× the floor's p50 / p95)")
    rows = [(FLOOR, floor)] + [(n, v) for n, v in sorted(by_name.items()) if n not in NOT_PAGES]
    rows.append(("all pages", pages))
    for name, values in rows:
        mid, high = statistics.median(values), p95(values)
        ratio = f"× {mid / statistics.median(floor):.1f} / × {high / p95(floor):.1f}"
        fails = f", {failed.get(name, 0)} failed" if failed.get(name) else ""
        print(
            f"{name}: {mid:.0f} / {high:.0f} / {max(values):.0f} ({ratio}; {len(values)} requests{fails})"
        )


def warm(url: str) -> None:
    """Each page asked once before the load, as a workspace in use has them: templates compiled,
    the practice's figures added up."""
    client = sign_in(url)
    for path in ("/", "/register", "/improvements/IMP-0001", "/board", "/practice", "/portfolio"):
        assert client.get(path).status_code == 200, path
    client.close()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--run-time", type=int, default=60, help="seconds of load")
    options.add_argument("--users", type=int, default=20)
    options.add_argument("--think", default="1,3", help="seconds between a person's clicks")
    options.add_argument("--workers", type=int, default=1, help="improve web --workers")
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        db = seeded(home, env)
        think = [float(s) for s in args.think.split(",")]
        plan = {"password": PASSWORD, "think": think, "people": seed_people(db)}
        (Path(home) / "plan.json").write_text(json.dumps(plan))
        port = processes.free_port()
        url = f"http://127.0.0.1:{port}"
        serve = [*IMPROVE, "web", "--port", str(port)]
        if args.workers > 1:
            serve += ["--workers", str(args.workers)]
        web = processes.start(serve, env=env, log=Path(home) / "web.log")
        try:
            processes.wait_until(
                lambda: httpx.get(f"{url}/sign-in").status_code == 200,
                timeout=60,
                what="improve web",
            )
            warm(url)
            print(f"improve web: pid {web.pid}", flush=True)
            locust = [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(Path(__file__).with_name("load_people.py")),
            ]
            locust += ["--headless", "--only-summary", "--host", url, "-u", str(args.users)]
            locust += [
                "-r",
                str(args.users),
                "--run-time",
                f"{args.run_time}s",
                "--stop-timeout",
                "10",
            ]
            subprocess.run(
                locust,
                env={
                    **env,
                    "LOAD_PLAN": str(Path(home) / "plan.json"),
                    "LOAD_TIMES": str(Path(home) / "times.json"),
                },
                capture_output=True,
                timeout=args.run_time + 120,
            )
            times = json.loads((Path(home) / "times.json").read_text())
        finally:
            processes.stop(web)
    report([(n, ms, ok) for n, ms, ok in times], args.run_time)


if __name__ == "__main__":
    main()
