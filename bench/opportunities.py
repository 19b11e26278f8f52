"""Benchmark: opportunity detection over the whole imported ServiceNow event log (wall time and
peak memory of `improve opportunities detect`). Prints figures for docs/performance.md."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time

from common import IMPROVE, ROOT, SHARED_DATA, clean_env

LOG = SHARED_DATA / "servicenow_incident_event_log.csv.gz"
MAPPING = ROOT / "examples" / "mappings" / "servicenow_event_log.yaml"


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
        start = time.perf_counter()
        done = subprocess.run(
            [
                *IMPROVE,
                "opportunities",
                "detect",
                "--from",
                "2016-02-01",
                "--to",
                "2016-06-01",
                "--all",
                "--json",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    findings = done.stdout.count('"number"')
    print(
        f"detection over the whole log (20,769 incidents): {elapsed:.2f} s, {findings} findings, "
        f"peak memory of the largest child process {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
