"""Benchmark: `improve connections sync` of 100,000 generated ServiceNow incidents, then a re-sync
after 1,000 of them changed.

The ServiceNow Table API is the tests' loopback server (tests/services/intake/servicenow_server.py),
run in this process; the incidents are the tests' generator's (`incident(n, updated)`), updated
one second apart. The sync is `improve connections sync bench --json` in a fresh IMPROVE_HOME
(SQLite), one child process measured on its own: wall time and peak RSS (a wrapper reads
RUSAGE_CHILDREN after its single child ends); times include interpreter start-up and the
server's own time (one Python thread sorting 100,000 records a page). Prints a Markdown table
for docs/performance.md and asserts what the issue asks: the first sync within 512 MiB, the
re-sync reading and updating only the 1,000 changed.

    .venv/bin/python bench/itsm_sync.py                 # 100,000 incidents, 1,000 changed
    .venv/bin/python bench/itsm_sync.py --incidents 20000 --changed 500
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from common import IMPROVE, ROOT, clean_env

MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 2**10
with open(sys.argv[1], "w") as out:
    json.dump({"code": done.returncode, "wall": wall, "peak_mb": peak_mb,
               "out": done.stdout, "err": done.stderr}, out)
"""


def measured(env: dict[str, str], folder: Path, *args: str) -> dict[str, object]:
    report = folder / "measure.json"
    command = [sys.executable, "-c", MEASURE, str(report), *IMPROVE, *args]
    subprocess.run(command, env=env, check=True)
    found: dict[str, object] = json.loads(report.read_text())
    if found["code"] != 0:
        raise SystemExit(f"improve {' '.join(args)} failed: {found['err']}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the tests' server and generator
    from tests.services.intake.servicenow_server import servicenow
    from tests.services.intake.test_servicenow_sync import START, incident

    rows = []
    with tempfile.TemporaryDirectory() as folder, servicenow() as instance:
        env = clean_env(str(Path(folder) / "home"))
        stamp = START + timedelta(seconds=options.incidents + 10)
        instance.tables["incident"] = [
            incident(n, START + timedelta(seconds=n)) for n in range(options.incidents)
        ]
        instance.tables["change_request"] = []
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        add = [*IMPROVE, "connections", "add", "bench", "--kind", "servicenow"]
        add += ["--url", instance.url, "--user", "sync.user", "--secret-stdin"]
        secret = "s3cret-Pa55\n"
        subprocess.run(add, env=env, input=secret, text=True, check=True, capture_output=True)
        first = measured(env, Path(folder), "connections", "sync", "bench", "--json")
        step = max(1, options.incidents // options.changed)
        for k, n in enumerate(range(0, options.incidents, step)[: options.changed]):
            instance.tables["incident"][n] = incident(n, stamp + timedelta(seconds=k), "1")
        again = measured(env, Path(folder), "connections", "sync", "bench", "--json")
        for label, done in (("first sync", first), ("re-sync", again)):
            table = json.loads(str(done["out"]))["tables"][0]
            rows.append((label, table, done))
    print("| sync | read | new | updated | wall | peak RSS |")
    print("| --- | --: | --: | --: | --: | --: |")
    for label, table, done in rows:
        print(
            f"| {label} | {table['read']:,} | {table['imported']:,} | {table['updated']:,} | "
            f"{done['wall']:.1f} s | {done['peak_mb']:,.0f} MB |"
        )
    (_, first_table, first_done), (_, again_table, _) = rows
    assert first_table["imported"] == options.incidents
    assert (again_table["read"], again_table["updated"]) == (options.changed, options.changed)
    assert float(str(first_done["peak_mb"])) <= 512, "the first sync needed more than 512 MiB"


if __name__ == "__main__":
    main()
