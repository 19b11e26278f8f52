"""Benchmark: checkpoint capture at scale, and the incident import, on the ServiceNow event log.

Each figure is a set of pairs taken with ``common.paired`` (A B then B A in turn, after a warm-up
pair), ratio = ours ÷ baseline, in CPU seconds (user + system) of a process of its own; the
wall seconds of the same runs are printed after.

1. 1,000 executing improvements × 3 SQL objectives over the imported log: `improve capture
   --as-of 2016-04-01` (a cold process, as the schedule runs it) against a Python process that
   runs the same 3,000 SQL statements directly with sqlite3 in one connection. Both include their
   start-up. A capture writes 3,000 snapshots, and a second capture at the same checkpoint stores
   nothing: before every run of either, the register file is put back as it was seeded (a copy
   at the same path, since the objectives' sources name it), so each run does the same work.
2. `improve import incidents` of the log into a new IMPROVE_HOME (`improve init` first, not
   counted) against a Python process that runs `pandas.read_csv` + `DataFrame.to_sql` of the same
   file into a new SQLite file (pandas is in the `bench` extra).

Reads ../shared/data/servicenow_incident_event_log.csv.gz in place. Prints figures for
docs/performance.md; asserts nothing. About 2 minutes with the default 5 pairs each:

    .venv/bin/python bench/capture.py              # 5 pairs of each
    .venv/bin/python bench/capture.py --pairs 9    # more pairs: a steadier median
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import IMPROVE, ROOT, SHARED_DATA, Paired, clean_env, cpu_of, paired

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"
AS_OF = datetime(2016, 4, 1, tzinfo=UTC)
# What the capture measures at AS_OF: the checkpoint its cadence (`0 6 * * *`) last called for,
# the end of each objective's 30-day window. The baseline binds the same window.
CHECKPOINT = datetime(2016, 3, 31, 6, tzinfo=UTC)
IMPROVEMENTS = 1000
PAIRS = 5

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

# The baseline of the capture: argv[1] the register file, argv[2] a JSON file of the statements
# and their window; every statement run in one read-only connection, one row fetched from each.
DIRECT = """
import json, sqlite3, sys
work = json.load(open(sys.argv[2]))
window = {"window_start": work["start"], "window_end": work["end"]}
connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for sql in work["statements"]:
    connection.execute(sql, window).fetchone()
connection.close()
"""
# The baseline of the import: argv[1] the log, argv[2] the SQLite file to write.
PANDAS_IMPORT = """
import sqlite3, sys, pandas
frame = pandas.read_csv(sys.argv[1], na_values="?", keep_default_na=False)
with sqlite3.connect(sys.argv[2]) as connection:
    frame.to_sql("events", connection, index=False)
connection.close()
"""


class Walls:
    """CPU seconds of each run (the figure), keeping the wall seconds of the same runs aside."""

    def __init__(self) -> None:
        self.ours: list[float] = []
        self.baseline: list[float] = []

    def run(self, runs: list[float], args: list[str], env: dict[str, str]) -> float:
        start = time.perf_counter()
        cpu = cpu_of(args, env)
        runs.append(time.perf_counter() - start)
        return cpu

    def paired(self, warm_up: bool = True) -> Paired:
        """The wall seconds as pairs, without the warm-up pair's."""
        skip = 1 if warm_up else 0
        return Paired(self.ours[skip:], self.baseline[skip:])


def seed(db: Path, categories: list[str], count: int = IMPROVEMENTS) -> None:
    """``count`` executing improvements, each with 3 SQL objectives on one category."""
    now = datetime.now(UTC).isoformat(sep=" ")
    with closing(sqlite3.connect(db)) as connection, connection:
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


def statements(categories: list[str], count: int = IMPROVEMENTS) -> dict[str, object]:
    """What the baseline runs: the seeded objectives' 3,000 statements and their window."""
    return {
        "start": (CHECKPOINT - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S"),
        "end": CHECKPOINT.strftime("%Y-%m-%d %H:%M:%S"),
        "statements": [
            query.format(c=categories[i % len(categories)])
            for i in range(count)
            for _, query in QUERIES
        ],
    }


def restore(seeded: Path, db: Path) -> None:
    """The register file as it was seeded, at its own path (no WAL left beside it)."""
    for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        extra.unlink(missing_ok=True)
    shutil.copyfile(seeded, db)


def snapshots(db: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(db)) as connection:
        stored, failed = connection.execute(
            "SELECT COUNT(value), COUNT(error) FROM metric_snapshot"
        ).fetchone()
    return stored, failed


def bench_capture(pairs: int) -> tuple[Paired, Paired, tuple[int, int]]:
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as home:
        env = clean_env(home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*IMPROVE, "import", "incidents", str(LOG), "--mapping", str(MAPPING)],
            env=env,
            check=True,
            capture_output=True,
        )
        db = Path(home) / "improve.db"
        with closing(sqlite3.connect(db)) as connection:
            categories = [
                r[0]
                for r in connection.execute(
                    "SELECT category FROM incidents GROUP BY category ORDER BY COUNT(*) DESC LIMIT 20"
                )
            ]
        seed(db, categories)
        seeded = Path(home) / "seeded.db"
        shutil.copyfile(db, seeded)
        work = Path(home) / "statements.json"
        work.write_text(json.dumps(statements(categories)))
        walls = Walls()
        counted: list[tuple[int, int]] = []

        def ours() -> float:
            restore(seeded, db)
            cpu = walls.run(walls.ours, [*IMPROVE, "capture", "--as-of", AS_OF.isoformat()], env)
            counted.append(snapshots(db))
            return cpu

        def baseline() -> float:
            restore(seeded, db)
            return walls.run(
                walls.baseline, [sys.executable, "-c", DIRECT, str(db), str(work)], env
            )

        cpu = paired(ours, baseline, pairs)
    if len(set(counted)) != 1:
        sys.exit(f"the captures stored different counts (stored, failed): {counted}")
    return cpu, walls.paired(), counted[0]


def bench_import(pairs: int) -> tuple[Paired, Paired]:
    walls = Walls()

    def ours() -> float:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as home:
            env = clean_env(home)
            subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
            args = [*IMPROVE, "import", "incidents", str(LOG), "--mapping", str(MAPPING)]
            return walls.run(walls.ours, args, env)

    def baseline() -> float:
        with tempfile.TemporaryDirectory(prefix="bench-pandas-") as folder:
            args = [sys.executable, "-c", PANDAS_IMPORT, str(LOG), str(Path(folder) / "pandas.db")]
            return walls.run(walls.baseline, args, clean_env(folder))

    cpu = paired(ours, baseline, pairs)
    return cpu, walls.paired()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=PAIRS, help=f"pairs of each (default {PAIRS})")
    options = parser.parse_args()
    if not LOG.exists():
        sys.exit(f"{LOG} is not there")
    try:
        import pandas  # noqa: F401
    except ImportError:
        sys.exit("pandas is needed for the comparison: pip install '.[bench]'")

    cpu, wall, (stored, failed) = bench_capture(options.pairs)
    print(
        cpu.line(
            f"capture, 1,000 improvements × 3 SQL objectives ({stored} stored, {failed} failed), "
            "CPU, against the same 3,000 statements run directly"
        )
    )
    print(wall.line("  the same runs, wall"))
    cpu, wall = bench_import(options.pairs)
    print(cpu.line("import of the event log (119,998 rows), CPU, against pandas read_csv + to_sql"))
    print(wall.line("  the same runs, wall"))


if __name__ == "__main__":
    main()
