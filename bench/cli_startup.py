"""Benchmark: cold `improve list --json` over 10,000 improvements; `improve apply` of 1,000 files.

Run with `make bench` (or `.venv/bin/python bench/cli_startup.py`). Figures go to
docs/performance.md by hand; nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from common import IMPROVE


def timed(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def seed(count: int) -> None:
    """Insert ``count`` improvements with two objectives each, in one transaction."""
    from ci_workflow.store.db import get_engine
    from ci_workflow.store.tables import Improvement, Objective, Person

    engine = get_engine()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            Person.__table__.insert(),
            [{"name": "Owner", "email": "o@example.org", "created_at": now}],
        )  # type: ignore[attr-defined]
        connection.execute(
            Improvement.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "key": f"imp-{i}",
                    "title": f"Improvement number {i}",
                    "description": "",
                    "type": "incremental",
                    "source": "other",
                    "process": f"Process {i % 7}",
                    "service": None,
                    "vision": "",
                    "current_state": "",
                    "scope": "",
                    "owner_id": 1,
                    "process_owner_id": 1,
                    "strategic_impact": 1 + i % 5,
                    "feasibility": 1 + i % 4,
                    "estimated_cost": 1000.0 + i,
                    "expected_gain": 5000.0,
                    "status": "identified",
                    "identified_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        connection.execute(
            Objective.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "improvement_id": i + 1,
                    "position": p,
                    "metric": f"m{p}",
                    "description": "",
                    "unit": "",
                    "window": "7d",
                    "source": {"kind": "manual"},
                    "baseline": 10.0,
                    "baseline_mode": "value",
                    "target": 5.0,
                    "direction": "decrease",
                    "due": date(2027, 6, 30),
                    "kpi_kind": "other",
                }
                for i in range(count)
                for p in range(2)
            ],
        )


def improvement_file(i: int) -> dict[str, object]:
    return {
        "key": f"bench-{i}",
        "title": f"Bench improvement {i}",
        "type": "incremental",
        "process": "Incident Management",
        "owner": "Owner",
        "process_owner": "Owner",
        "strategic_impact": 3,
        "feasibility": 3,
        "estimated_cost": 100,
        "expected_gain": 500,
        "identified": date(2026, 11, 1),
        "objectives": [
            {
                "metric": "mttr_hours",
                "source": {"kind": "manual"},
                "baseline": 9.0,
                "target": 6.0,
                "direction": "decrease",
                "due": date(2027, 3, 31),
            },
        ],
        "plan": [{"action": "Do the thing", "owner": "Owner", "due": date(2026, 12, 1)}],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "IMPROVE_HOME": home}
        env.pop("IMPROVE_DATABASE_URL", None)
        os.environ.update(IMPROVE_HOME=home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        seed(10_000)
        floor = timed([sys.executable, "-c", "import sqlmodel, typer, rich, yaml"], env, 7)
        listing = timed([*IMPROVE, "list", "--json"], env, 7)
        print(f"floor (python, import sqlmodel, typer, rich): {statistics.median(floor):.3f} s")
        spread = f"min {min(listing):.3f}, max {max(listing):.3f}, 7 runs"
        median = statistics.median(listing)
        print(f"cold `improve list --json`, 10,000 improvements: median {median:.3f} s ({spread})")

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "IMPROVE_HOME": home}
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [
                *IMPROVE,
                "people",
                "add",
                "Owner",
                "--email",
                "owner@example.org",
                "--role",
                "process_owner:Incident Management",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        folder = Path(home) / "files"
        folder.mkdir()
        for i in range(1000):
            (folder / f"bench-{i:04d}.yaml").write_text(yaml.safe_dump(improvement_file(i)))
        (created,) = timed([*IMPROVE, "apply", str(folder)], env, 1)
        (unchanged,) = timed([*IMPROVE, "apply", str(folder)], env, 1)
        print(f"`improve apply` of 1,000 new files in one call: {created:.2f} s")
        print(f"`improve apply` of the same 1,000 files again (all unchanged): {unchanged:.2f} s")


if __name__ == "__main__":
    main()
