"""Benchmark: rendering a review report (5 objectives × 1,000 checkpoints) in a warm process, and
the practice report over 10,000 improvements. Prints figures for docs/performance.md.

`python bench/report.py practice`: instead, `improve practice-report` as people run it (a process
of its own, start-up included) over 1,000, 5,000 and 10,000 improvements, its CPU time (user +
system) beside the floor of the same run, `improve --help` (the CLI's start-up)."""

from __future__ import annotations

import os
import resource
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import IMPROVE, clean_env


def cpu_of(command: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one run of ``command``, a process of its own."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def practice_sizes() -> None:
    for count in (1_000, 5_000, 10_000):
        with tempfile.TemporaryDirectory() as home:
            env = clean_env(home)
            subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
            seed(Path(home) / "improve.db", count)
            report = [*IMPROVE, "practice-report", "--force"]  # into IMPROVE_HOME/reports
            floor, cpu = [], []
            for _ in range(3):  # interleaved: the floor and the report see the same machine
                floor.append(cpu_of([*IMPROVE, "--help"], env))
                cpu.append(cpu_of(report, env))
        print(
            f"practice report, {count:,} improvements: CPU median {statistics.median(cpu):.2f} s "
            f"(runs {', '.join(f'{c:.2f}' for c in cpu)}), floor `improve --help` "
            f"{statistics.median(floor):.2f} s, × {statistics.median(cpu) / statistics.median(floor):.1f}"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["IMPROVE_HOME"] = home
        subprocess.run([*IMPROVE, "init"], check=True, capture_output=True)
        db = Path(home) / "improve.db"
        seed(db)
        from ci_workflow.services.reporting.practice import practice_report
        from ci_workflow.services.reporting.review import review_report

        review_report("1", "html")  # warm: imports, templates, first queries
        review = []
        for _ in range(5):
            start = time.perf_counter()
            review_report("1", "html")
            review.append(time.perf_counter() - start)
        now = datetime.now(UTC)
        start = time.perf_counter()
        practice_report(now - timedelta(days=365), now, "html")
        practice = time.perf_counter() - start
    print(
        f"review report, 5 objectives × 1,000 checkpoints, warm: median {statistics.median(review):.3f} s"
    )
    print(f"practice report over 10,000 improvements: {practice:.2f} s")


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
    import sys

    practice_sizes() if sys.argv[1:] == ["practice"] else main()
