"""Benchmark: `improve connections sync` of 100,000 generated ServiceNow incidents, then a re-sync
after 1,000 of them changed; against its baseline, `improve import incidents` of the same
100,000 records from a CSV export (the hand-made route a connection replaces), pairs interleaved
(sync, import, sync, import: the machine is shared and absolute times drift).

The ServiceNow Table API is the tests' loopback server (tests/services/intake/servicenow_server.py),
run in this process; the incidents are the tests' generator's (`incident(n, updated)`), updated
one second apart. The sync is `improve connections sync bench --json` in a fresh IMPROVE_HOME
(SQLite), one child process measured on its own: wall time and peak RSS (a wrapper reads
RUSAGE_CHILDREN after its single child ends): wall time includes the server's own time (one
Python thread of this process sorting 100,000 records a page), CPU time is the sync's alone, and
the ratio to the import is of CPU times. Prints a Markdown table
for docs/performance.md and asserts what the issue asks: the first sync within 512 MiB, the
re-sync reading and updating only the 1,000 changed.

    .venv/bin/python bench/itsm_sync.py                 # 100,000 incidents, 1,000 changed, 2 pairs
    .venv/bin/python bench/itsm_sync.py --incidents 20000 --changed 500 --pairs 1
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from common import IMPROVE, ROOT, clean_env

MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_mb = usage.ru_maxrss / 2**20 if sys.platform == "darwin" else usage.ru_maxrss / 2**10
cpu = usage.ru_utime + usage.ru_stime
with open(sys.argv[1], "w") as out:
    json.dump({"code": done.returncode, "wall": wall, "peak_mb": peak_mb, "cpu": cpu,
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


def export(folder: Path, records: list[dict[str, tuple[str, str]]]) -> tuple[Path, Path]:
    """The records as ServiceNow's CSV export of the connection's columns (a time as stored,
    every other field as shown) and the import mapping that reads it: the same rows a sync
    writes, so the two routes do the same work from there on."""
    from ci_workflow.services.intake.connections import FIXED
    from ci_workflow.services.intake.itsm.servicenow import MAPPING

    rules = yaml.safe_load(MAPPING)["incident"] | FIXED | {"layout": "one_row"}
    columns = sorted(set(rules["columns"].values()))
    times = {rules["columns"][t] for t in ("opened", "resolved", "closed")}
    csv_path, mapping_path = folder / "incidents.csv", folder / "mapping.yaml"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for record in records:
            writer.writerow([record[c][0 if c in times else 1] for c in columns])
    mapping_path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    return csv_path, mapping_path


def synced(instance: Any, folder: Path, options: argparse.Namespace) -> list[Any]:
    """A fresh register, a connection, the first sync and a re-sync after ``changed`` updates."""
    from tests.services.intake.test_servicenow_sync import START, incident

    env = clean_env(str(folder / "home"))
    instance.tables["incident"] = [
        incident(n, START + timedelta(seconds=n)) for n in range(options.incidents)
    ]
    instance.tables["change_request"] = []
    subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
    add = [*IMPROVE, "connections", "add", "bench", "--kind", "servicenow"]
    add += ["--url", instance.url, "--user", "sync.user", "--secret-stdin"]
    subprocess.run(add, env=env, input="s3cret-Pa55\n", text=True, check=True, capture_output=True)
    first = measured(env, folder, "connections", "sync", "bench", "--json")
    stamp = START + timedelta(seconds=options.incidents + 10)
    step = max(1, options.incidents // options.changed)
    for k, n in enumerate(range(0, options.incidents, step)[: options.changed]):
        instance.tables["incident"][n] = incident(n, stamp + timedelta(seconds=k), "1")
    again = measured(env, folder, "connections", "sync", "bench", "--json")
    return [first, again]


def imported(folder: Path, csv_path: Path, mapping: Path) -> dict[str, object]:
    env = clean_env(str(folder / "home"))
    subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
    return measured(env, folder, "import", "incidents", str(csv_path), "--mapping", str(mapping))


def _said(done: dict[str, Any]) -> str:
    return f"{done['wall']:.1f} s, {done['cpu']:.1f} s CPU, {done['peak_mb']:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--pairs", type=int, default=2)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the tests' server and generator
    from tests.services.intake.servicenow_server import servicenow
    from tests.services.intake.test_servicenow_sync import START, incident

    pairs = []
    with tempfile.TemporaryDirectory() as scratch, servicenow() as instance:
        records = [incident(n, START + timedelta(seconds=n)) for n in range(options.incidents)]
        csv_path, mapping = export(Path(scratch), records)
        for n in range(options.pairs):
            run = Path(scratch) / f"pair-{n}"
            (run / "sync").mkdir(parents=True)
            (run / "import").mkdir()
            sync = synced(instance, run / "sync", options)
            pairs.append((sync, imported(run / "import", csv_path, mapping)))
    changed = f"re-sync ({options.changed:,} changed)"
    print(
        f"| pair | first sync: wall, CPU, peak | {changed} | import of the same export "
        "| sync / import, CPU |"
    )
    print("| --: | --: | --: | --: | --: |")
    for n, ((first, again), base) in enumerate(pairs, 1):
        ratio = float(str(first["cpu"])) / float(str(base["cpu"]))
        print(f"| {n} | {_said(first)} | {_said(again)} | {_said(base)} | {ratio:.2f} |")
    for (first, again), base in pairs:
        first_table = json.loads(str(first["out"]))["tables"][0]
        again_table = json.loads(str(again["out"]))["tables"][0]
        assert first_table["imported"] == options.incidents
        assert (again_table["read"], again_table["updated"]) == (options.changed, options.changed)
        assert float(str(first["peak_mb"])) <= 512, "the first sync needed more than 512 MiB"
        assert f"{options.incidents} incidents imported" in str(base["out"]), base["out"]


if __name__ == "__main__":
    main()
