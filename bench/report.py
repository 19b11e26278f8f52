"""Benchmark: rendering a review report (5 objectives × 1,000 checkpoints) in a warm process, and
the practice report over 10,000 improvements. Prints figures for docs/performance.md."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import IMPROVE


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


def seed(db: Path) -> None:
    now = datetime.now(UTC)
    stamp = now.isoformat(sep=" ")
    with sqlite3.connect(db) as c:
        c.execute(
            "INSERT INTO person (name, email, created_at) VALUES ('Owner', 'o@example.org', ?)",
            (stamp,),
        )
        rows = []
        for i in range(10_000):
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
        objectives = [(i + 1, p, f"m{p}") for i in range(10_000) for p in range(2)]
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
    main()
