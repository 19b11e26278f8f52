"""Benchmark: checkpoint capture at scale, and the incident import, on the ServiceNow event log.

1. 1,000 executing improvements × 3 SQL objectives over the imported log: wall time of
   `improve capture --as-of ...` (a cold process, as the schedule runs it) against running the
   same 3,000 SQL statements directly with sqlite3 in one connection.
2. `improve import incidents` of the log against `pandas.read_csv` + `DataFrame.to_sql` of the
   same file into SQLite (pandas is in the `bench` extra).

Reads ../shared/data/servicenow_incident_event_log.csv.gz in place. Prints figures for
docs/performance.md; asserts nothing.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import IMPROVE, ROOT, SHARED_DATA, clean_env

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"
AS_OF = datetime(2016, 4, 1, tzinfo=UTC)

QUERIES = [
    (
        "incidents_opened",
        "SELECT COUNT(*) FROM incidents WHERE category = '{c}' "
        "AND opened_at > :window_start AND opened_at <= :window_end",
    ),
    (
        "mttr_hours",
        "SELECT AVG((julianday(resolved_at) - julianday(opened_at)) * 24) FROM incidents "
        "WHERE category = '{c}' AND resolved_at > :window_start AND resolved_at <= :window_end",
    ),
    (
        "sla_met_pct",
        "SELECT 100.0 * AVG(sla_met) FROM incidents WHERE category = '{c}' "
        "AND resolved_at > :window_start AND resolved_at <= :window_end",
    ),
]


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def seed(db: Path, categories: list[str], count: int = 1000) -> None:
    """``count`` executing improvements, each with 3 SQL objectives on one category."""
    now = datetime.now(UTC).isoformat(sep=" ")
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO person (name, email, created_at) VALUES ('Owner', 'o@example.org', ?)",
            (now,),
        )
        for i in range(count):
            cursor = connection.execute(
                "INSERT INTO improvement (key, title, description, type, source, process, vision, "
                "current_state, scope, owner_id, process_owner_id, strategic_impact, feasibility, "
                "status, identified_at, checkpoint_cron, created_at, updated_at) VALUES "
                "(?, ?, '', 'incremental', 'incident_trend', 'Incident Management', '', '', '', 1, 1, "
                "3, 3, 'executing', ?, '0 6 * * *', ?, ?)",
                (f"bench-{i}", f"Bench {i}", now, now, now),
            )
            category = categories[i % len(categories)]
            for position, (metric, query) in enumerate(QUERIES):
                source = {
                    "kind": "sql",
                    "url": f"sqlite:///{db}",
                    "query": query.format(c=category),
                }
                connection.execute(
                    "INSERT INTO objective (improvement_id, position, metric, description, unit, window, "
                    "source, baseline, baseline_mode, target, direction, due, kpi_kind) VALUES "
                    "(?, ?, ?, '', '', '30d', ?, 1000, 'value', 0, 'decrease', ?, 'other')",
                    (
                        cursor.lastrowid,
                        position,
                        metric,
                        json.dumps(source),
                        date(2016, 6, 30).isoformat(),
                    ),
                )


def direct(db: Path, categories: list[str], count: int = 1000) -> float:
    start_at = (AS_OF - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    end_at = AS_OF.strftime("%Y-%m-%d %H:%M:%S")
    begin = time.perf_counter()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        for i in range(count):
            for _, query in QUERIES:
                sql = query.format(c=categories[i % len(categories)])
                connection.execute(sql, {"window_start": start_at, "window_end": end_at}).fetchone()
    return time.perf_counter() - begin


def main() -> None:
    if not LOG.exists():
        sys.exit(f"{LOG} is not there")
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        imported = timed(
            [*IMPROVE, "import", "incidents", str(LOG), "--mapping", str(MAPPING)], env
        )
        db = Path(home) / "improve.db"
        with sqlite3.connect(db) as connection:
            categories = [
                r[0]
                for r in connection.execute(
                    "SELECT category FROM incidents GROUP BY category ORDER BY COUNT(*) DESC LIMIT 20"
                )
            ]
        seed(db, categories)
        captured = timed([*IMPROVE, "capture", "--as-of", AS_OF.isoformat()], env)
        with sqlite3.connect(db) as connection:
            stored, failed = connection.execute(
                "SELECT COUNT(value), COUNT(error) FROM metric_snapshot"
            ).fetchone()
        alone = direct(db, categories)
    print(
        f"capture: 1,000 improvements × 3 SQL objectives: {captured:.2f} s ({stored} stored, "
        f"{failed} failed); the same 3,000 statements directly: {alone:.2f} s; "
        f"ratio {captured / alone:.2f}"
    )
    pandas_seconds = pandas_import()
    print(
        f"import of the event log (119,998 rows): improve {imported:.2f} s; pandas read_csv + "
        f"to_sql {pandas_seconds:.2f} s; ratio {imported / pandas_seconds:.2f}"
    )


def pandas_import() -> float:
    try:
        import pandas
    except ImportError:
        sys.exit("pandas is needed for the comparison: pip install '.[bench]'")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        frame = pandas.read_csv(LOG, na_values="?", keep_default_na=False)
        with sqlite3.connect(Path(folder) / "pandas.db") as connection:
            frame.to_sql("events", connection, index=False)
        return time.perf_counter() - start


if __name__ == "__main__":
    main()
