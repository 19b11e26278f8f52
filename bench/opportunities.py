"""Benchmark: opportunity detection over the whole imported ServiceNow event log, as people run it
(`improve opportunities detect`, a cold process: CPU time and peak memory), beside its floor in
the same run: a plain Python process that reads every incident of the same window from the
register once (what any detection must at least do). Pairs interleaved A B A B; prints each pair
ratio's median, min and max for docs/performance.md."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import IMPROVE, ROOT, SHARED_DATA, clean_env

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"
WINDOW = ("2016-02-01", "2016-06-01")
PAIRS = 5
FLOOR = (
    "import sqlite3, sys; rows = sqlite3.connect(sys.argv[1]).execute("
    "'SELECT * FROM incidents WHERE opened_at >= ? AND opened_at < ?', sys.argv[2:]).fetchall(); "
    "print(len(rows))"
)


def measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """CPU seconds (user + system: wall time follows the machine's load), peak resident MB and
    standard output of one process."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    user, system, kilobytes = done.stderr.strip().splitlines()[-1].split()
    return float(user) + float(system), int(kilobytes) / 1024, done.stdout


def main() -> None:
    if not LOG.exists():
        sys.exit(f"{LOG} is not there")
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*IMPROVE, "import", "incidents", str(LOG), "--mapping", str(MAPPING)],
            env=env,
            check=True,
            capture_output=True,
        )
        detect = [*IMPROVE, "opportunities", "detect", "--from", WINDOW[0], "--to", WINDOW[1]]
        floor = [sys.executable, "-c", FLOOR, str(Path(home) / "improve.db"), *WINDOW]
        ours, base = [], []
        for _ in range(PAIRS):
            ours.append(measured([*detect, "--all", "--json"], env))
            base.append(measured(floor, env))
    findings = ours[-1][2].count('"number"')
    read = base[-1][2].strip()
    for label, index in (("CPU", 0), ("peak memory", 1)):
        ratios = [o[index] / b[index] for o, b in zip(ours, base, strict=True)]
        print(
            f"{label}: detection ÷ reading the window's {read} incidents, median "
            f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); "
            f"detection median {statistics.median(o[index] for o in ours):.2f}, floor "
            f"{statistics.median(b[index] for b in base):.2f} ({'s' if index == 0 else 'MB'})"
        )
    print(f"{findings} findings")


if __name__ == "__main__":
    main()
