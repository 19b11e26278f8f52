"""Benchmark: thousands of improvements in flight (issue 14). Figures in docs/performance.md.

    python bench/scale.py register 50 200 1000   # the register's side (bench/scale_register.py)
    python bench/scale.py prefect 50 200         # bursts on Prefect (bench/scale_prefect.py)
    python bench/scale.py workers 100            # drain with 1 and 2 workers (tests/flows/test_workers.py)

Each size runs in a process of its own (settings and engines are cached per process). The
register's figures are paired in the same run with the same command from an older checkout
(BENCH_BEFORE=/path/to/old/checkout) or, without it, with the floor `python -c "import sqlmodel,
typer"`; the Prefect figures have a bare Prefect flow with the same suspends, served with the
same limit, in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    part, sizes = sys.argv[1], sys.argv[2:]
    if part == "workers":
        for count in sizes or ["100"]:
            for workers in ("1", "2"):
                env = os.environ | {"IMPROVE_TEST_DRAIN": count, "IMPROVE_TEST_WORKERS": workers}
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-p",
                        "no:cacheprovider",
                        "-q",
                        "-s",
                        str(HERE.parent / "tests" / "flows" / "test_workers.py"),
                    ],
                    env=env,
                    check=True,
                    cwd=HERE.parent,
                )
        return
    script = {"register": "scale_register.py", "prefect": "scale_prefect.py"}[part]
    for count in sizes or ["50"]:
        subprocess.run([sys.executable, str(HERE / script), count], check=True, cwd=HERE)


if __name__ == "__main__":
    main()
