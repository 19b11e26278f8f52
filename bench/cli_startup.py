"""Benchmark: the product's commands against the floor `python -c "import sqlmodel, typer"`;
cold `improve list --json` over 10,000 improvements; `improve apply` of 1,000 files.

Run with `make bench` (or `.venv/bin/python bench/cli_startup.py`). Figures go to
docs/performance.md by hand; nothing here asserts a time.

The commands against the floor: CPU time (user + system, of the child process: the machine is
shared, wall time says more about the neighbours), each command run right after the floor,
pair after pair (A B A B), the first pair a warm-up; the ratio of each pair, min/median/max.
`cli_startup.py floor` runs that part alone. ``BENCH_BEFORE=/path/to/a/checkout`` runs the same commands from that checkout's code too
(``git worktree add /tmp/before <commit>``), in the same rounds, and checks that both print
the same bytes. ``BENCH_COMPILED=1`` byte-compiles the package of each checkout first, as
``pip install .`` leaves it: an editable checkout on a machine with PYTHONDONTWRITEBYTECODE, as
this one, compiles every module it imports again in every command (the floor's libraries are
compiled). `cli_startup.py instructions` counts each command's instructions against the floor's
with valgrind (callgrind), the same on a busy machine as on a quiet one.
"""

from __future__ import annotations

import compileall
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from common import IMPROVE, ROOT, clean_env

FLOOR = [sys.executable, "-c", "import sqlmodel, typer"]
COMMANDS = (("list", "--json"), ("gates", "--json"), ("list",), ("gates",), ("--help",))
PAIRS = int(os.environ.get("BENCH_PAIRS", "9"))


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


def cpu_of(args: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    """The CPU time (user + system) of one run of ``args``, and what it printed. It runs in
    IMPROVE_HOME: ``python -c`` puts its folder first on the path, before PYTHONPATH."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, env=env, cwd=env["IMPROVE_HOME"], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return spent, done.stdout


def small_register(env: dict[str, str]) -> None:
    """The sample people, the three example improvements, two of them waiting at a gate."""
    subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
    for line in (ROOT / "examples" / "people.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, email, roles = (part.strip() for part in line.split("|"))
            grants = [arg for role in roles.split(",") for arg in ("--role", role.strip())]
            add = [*IMPROVE, "people", "add", name, "--email", email, *grants]
            subprocess.run(add, env=env, check=True, capture_output=True)
    files = sorted(str(p) for p in (ROOT / "examples" / "improvements").glob("*.yaml"))
    apply = [*IMPROVE, "apply", *files, "--as", "Carmen Ruiz"]
    subprocess.run(apply, env=env, check=True, capture_output=True)
    opening = (
        "import uuid\n"
        "from ci_workflow.services.lifecycle.gate_opening import open_gate\n"
        "from ci_workflow.services.lifecycle.stages import define_stage\n"
        "for improvement in (1, 2):\n"
        "    run = str(uuid.uuid4())\n"
        "    define_stage(improvement, run)\n"
        "    open_gate(improvement, 'plan_approval', 1, run)\n"
    )
    subprocess.run([sys.executable, "-c", opening], env=env, check=True, capture_output=True)


def against_the_floor() -> None:
    """Each command's CPU time over the floor's, pair by pair, on a small register."""
    before = os.environ.get("BENCH_BEFORE")
    # The same entry for both checkouts: the code of the one first on PYTHONPATH runs.
    entry = [sys.executable, "-c", "import sys; from ci_workflow.cli.app import main; main()"]
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        env.pop("PYTHONPATH", None)
        small_register(env)
        checkouts = {"now": env} | (
            {f"before ({before})": env | {"PYTHONPATH": before}} if before else {}
        )
        if os.environ.get("BENCH_COMPILED"):
            for folder in (ROOT, *([Path(before)] if before else [])):
                compileall.compile_dir(folder / "ci_workflow", quiet=1)
        print(f"commands against the floor, CPU, {PAIRS} pairs after a warm-up:")
        for words in COMMANDS:
            spent: dict[str, list[float]] = {"floor": [], **{name: [] for name in checkouts}}
            printed: dict[str, set[bytes]] = {name: set() for name in checkouts}
            for pair in range(PAIRS + 1):
                for name, checkout in checkouts.items():
                    floor, _ = cpu_of(FLOOR, checkout)
                    command, out = cpu_of([*entry, *words], checkout)
                    printed[name].add(out)
                    if pair:
                        spent["floor"].append(floor)
                        spent[name].append(command / floor)
            print(f"  improve {' '.join(words)}")
            for name in checkouts:
                ratios = spent[name]
                print(
                    f"    {name}: median {statistics.median(ratios):.2f}× the floor "
                    f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
                )
            print(f"    floor, median CPU: {statistics.median(spent['floor']):.3f} s")
            if before:
                same = len(printed["now"] | printed[f"before ({before})"]) == 1
                print(f"    output the same bytes before and now: {same}")


def instructions(args: list[str], env: dict[str, str]) -> int:
    """The instructions one run of ``args`` executes, counted by valgrind's callgrind: the
    same count on a busy machine as on a quiet one (CPU seconds drift with the neighbours)."""
    counted = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *args],
        env=env,
        cwd=env["IMPROVE_HOME"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(re.search(r"Collected : (\d+)", counted.stderr).group(1))  # type: ignore[union-attr]


def counted_against_the_floor() -> None:
    """Each command's instructions over the floor's, once each (the count does not drift), on
    the same register and for the same checkouts as ``against_the_floor``."""
    before = os.environ.get("BENCH_BEFORE")
    entry = [sys.executable, "-c", "import sys; from ci_workflow.cli.app import main; main()"]
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        env.pop("PYTHONPATH", None)
        small_register(env)
        checkouts = {"now": env} | (
            {f"before ({before})": env | {"PYTHONPATH": before}} if before else {}
        )
        for folder in (ROOT, *([Path(before)] if before else [])):
            compileall.compile_dir(folder / "ci_workflow", quiet=1)
        instructions(FLOOR, env)  # a first run after compiling: what the others find on disk
        floor = instructions(FLOOR, env)
        print(f"instructions against the floor ({floor / 1e6:.0f} million), callgrind:")
        for words in COMMANDS:
            for name, checkout in checkouts.items():
                ratio = instructions([*entry, *words], checkout) / floor
                print(f"  improve {' '.join(words)}, {name}: {ratio:.3f}× the floor")


def main() -> None:
    against_the_floor()
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
    if sys.argv[1:] == ["floor"]:  # the commands against the floor alone
        against_the_floor()
    elif sys.argv[1:] == ["instructions"]:  # the same, counted in instructions
        counted_against_the_floor()
    else:
        main()
