"""Benchmark: the review report and the practice report as people run them, each an `improve`
command in a process of its own, its CPU time (user + system) paired with its floor in the same
run: `improve --help`, the CLI's start-up (A B, B A in turn after a warm-up pair,
``common.paired``). Prints, per figure, the median of the pair ratios (ours ÷ the floor) with
their min and max, and both medians, for docs/performance.md; asserts nothing.

`python bench/report.py`: `improve report IMP-0001` (HTML, written to IMPROVE_HOME/reports) of an
improvement with 5 objectives × 1,000 checkpoints, on a register of 10,000 improvements.

`python bench/report.py practice`: `improve practice-report` over 1,000, 5,000 and 10,000
improvements.

Why the floor is `improve --help` and not a bare Jinja render of the same template: both sides
are then whole processes that start the same CLI, so the ratio is what the command adds to
starting it (its queries, statistics, charts and template), read in the same unit, CPU seconds
of a process; a render in this process would measure neither the product's path nor a start-up.
``BENCH_PAIRS`` (default 5) sets the pairs.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from common import IMPROVE, clean_env, cpu_of, paired

PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))
FLOOR = [*IMPROVE, "--help"]


def practice_sizes() -> None:
    print(
        f"`improve practice-report` against `improve --help`, CPU, {PAIRS} pairs after a warm-up:"
    )
    for count in (1_000, 5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = clean_env(home)
            subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
            seed(Path(home) / "improve.db", count)
            report = [*IMPROVE, "practice-report", "--force"]  # into IMPROVE_HOME/reports
            found = paired(partial(cpu_of, report, env), partial(cpu_of, FLOOR, env), PAIRS)
        print(found.line(f"practice report, {count:,} improvements"))


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        seed(Path(home) / "improve.db")
        report = [*IMPROVE, "report", "IMP-0001", "--force"]  # reports/imp-0001-interim.html
        found = paired(partial(cpu_of, report, env), partial(cpu_of, FLOOR, env), PAIRS)
        written = Path(home) / "reports" / "imp-0001-interim.html"
        size = written.stat().st_size
    print(f"`improve report` against `improve --help`, CPU, {PAIRS} pairs after a warm-up:")
    print(found.line(f"review report, 5 objectives × 1,000 checkpoints ({size / 1e6:.1f} MB HTML)"))


def seed(db: Path, count: int = 10_000) -> None:
    now = datetime.now(UTC)
    stamp = now.isoformat(sep=" ")
    with sqlite3.connect(db) as c:
        c.execute(
            "INSERT INTO person (name, email, created_at) VALUES ('Owner', 'o@example.org', ?)",
            (stamp,),
        )
        rows = []
        for i in range(count):
            status = ("closed", "executing", "identified", "rejected")[i % 4]
            completed = (
                (now - timedelta(days=i % 300)).isoformat(sep=" ")
                if status in ("closed", "rejected")
                else None
            )
            rows.append(
                (
                    f"bench-{i}",
                    f"Bench {i}",
                    status,
                    (now - timedelta(days=400)).isoformat(sep=" "),
                    completed,
                    (now - timedelta(days=350)).isoformat(sep=" "),
                    stamp,
                    stamp,
                    1000.0 + i,
                    5000.0,
                )
            )
        c.executemany(
            "INSERT INTO improvement (key, title, description, type, source, process, vision, current_state, scope, "
            "owner_id, process_owner_id, strategic_impact, feasibility, status, identified_at, completed_at, started_at, "
            "created_at, updated_at, actual_cost, realised_gain, checkpoint_cron) VALUES "
            "(?, ?, '', 'incremental', 'other', 'P', '', '', '', 1, 1, 3, 3, ?, ?, ?, ?, ?, ?, ?, ?, '0 6 * * 1')",
            rows,
        )
        objectives = [(i + 1, p, f"m{p}") for i in range(count) for p in range(2)]
        c.executemany(
            "INSERT INTO objective (improvement_id, position, metric, description, unit, window, source, baseline, "
            "baseline_mode, target, direction, due, kpi_kind) VALUES (?, ?, ?, '', 'h', '7d', '{\"kind\": \"manual\"}', "
            "10, 'value', 6, 'decrease', '2027-01-01', 'service_performance')",
            objectives,
        )
        # Improvement 1: 5 objectives with 1,000 checkpoints each (3 more objectives).
        c.executemany(
            "INSERT INTO objective (improvement_id, position, metric, description, unit, window, source, baseline, "
            "baseline_mode, target, direction, due, kpi_kind) VALUES (1, ?, ?, '', 'h', '7d', '{\"kind\": \"manual\"}', "
            "10, 'value', 6, 'decrease', '2027-01-01', 'service_performance')",
            [(p, f"m{p}") for p in range(2, 5)],
        )
        ids = [r[0] for r in c.execute("SELECT id FROM objective WHERE improvement_id = 1")]
        started = now - timedelta(days=350)
        snapshots = [
            (
                oid,
                "checkpoint",
                (started + timedelta(hours=6 * k - 3000)).isoformat(sep=" "),
                10 - 4 * k / 1000 + (k % 7) / 10,
                stamp,
            )
            for oid in ids
            for k in range(1000)
        ]
        c.executemany(
            "INSERT INTO metric_snapshot (objective_id, kind, checkpoint_at, value, captured_at) VALUES (?, ?, ?, ?, ?)",
            snapshots,
        )
        c.execute("UPDATE improvement SET status = 'in_review' WHERE id = 1")


if __name__ == "__main__":
    practice_sizes() if sys.argv[1:] == ["practice"] else main()
