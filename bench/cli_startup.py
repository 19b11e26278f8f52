"""Benchmark: the product's commands against the floor `python -c "import sqlmodel, typer"`;
cold `improve list --json` over 10,000 improvements against the same floor; `improve apply` of
1,000 files against reading and parsing them (``PARSE_FLOOR``). Every figure is CPU time in
pairs with its baseline (``common.paired``; ``BENCH_PAIRS`` pairs, default 9).

Run with `make bench` (or `.venv/bin/python bench/cli_startup.py`; `floor`, `instructions` or
`scale` runs one part). Figures go to docs/performance.md by hand; nothing here asserts a time.

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

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from common import CLI_FLOOR, ENTRY, IMPROVE, ROOT, clean_env, compiled, cpu_of, paired

COMMANDS = (("list", "--json"), ("gates", "--json"), ("list",), ("gates",), ("--help",))
PAIRS = int(os.environ.get("BENCH_PAIRS", "9"))


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


def cpu_and_output(args: list[str], env: dict[str, str]) -> tuple[float, bytes]:
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


@contextmanager
def small_checkouts(compile_first: bool) -> Iterator[dict[str, dict[str, str]]]:
    """The environment of each checkout (this one, and ``BENCH_BEFORE``'s when given), both on
    ``small_register``; ``compile_first``: their packages byte-compiled first."""
    before = os.environ.get("BENCH_BEFORE")
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        env.pop("PYTHONPATH", None)
        small_register(env)
        if compile_first:
            compiled(ROOT, *([Path(before)] if before else []))
        yield {"now": env} | (
            {f"before ({before})": env | {"PYTHONPATH": before}} if before else {}
        )


def against_the_floor() -> None:
    """Each command's CPU time over the floor's, pair by pair, on a small register."""
    with small_checkouts(bool(os.environ.get("BENCH_COMPILED"))) as checkouts:
        print(f"commands against the floor, CPU, {PAIRS} pairs after a warm-up:")
        for words in COMMANDS:
            spent: dict[str, list[float]] = {"floor": [], **{name: [] for name in checkouts}}
            printed: dict[str, set[bytes]] = {name: set() for name in checkouts}
            for pair in range(PAIRS + 1):
                for name, checkout in checkouts.items():
                    floor, _ = cpu_and_output(CLI_FLOOR, checkout)
                    command, out = cpu_and_output([*ENTRY, *words], checkout)
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
            if len(printed) > 1:
                same = len(set().union(*printed.values())) == 1
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
    with small_checkouts(compile_first=True) as checkouts:
        env = checkouts["now"]
        instructions(CLI_FLOOR, env)  # a first run after compiling: what the others find on disk
        floor = instructions(CLI_FLOOR, env)
        print(f"instructions against the floor ({floor / 1e6:.0f} million), callgrind:")
        for words in COMMANDS:
            for name, checkout in checkouts.items():
                ratio = instructions([*ENTRY, *words], checkout) / floor
                print(f"  improve {' '.join(words)}, {name}: {ratio:.3f}× the floor")


# What `improve apply` cannot do without: read and parse the same files (LibYAML's parser where
# installed, the fastest there is), in a process of its own with the same libraries imported.
PARSE_FLOOR = (
    "import pathlib, sys, sqlmodel, typer, yaml\n"
    "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
    "for path in sorted(pathlib.Path(sys.argv[1]).glob('*.yaml')):\n"
    "    yaml.load(path.read_text(encoding='utf-8'), Loader=loader)\n"
)


def listing_at_scale() -> None:
    """Cold `improve list --json` over 10,000 improvements against the floor, CPU, in pairs."""
    with tempfile.TemporaryDirectory() as home:
        env = clean_env(home)
        os.environ.update(IMPROVE_HOME=home)
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        seed(10_000)
        listing = paired(
            lambda: cpu_of([*IMPROVE, "list", "--json"], env, cwd=home),
            lambda: cpu_of(CLI_FLOOR, env, cwd=home),
            PAIRS,
        )
        print(listing.line("cold `improve list --json`, 10,000 improvements, CPU"))


def applying() -> None:
    """`improve apply` of 1,000 new files (each run on a copy of the same empty register), and
    of the same files again (all unchanged), against reading and parsing them, CPU, in pairs."""
    with tempfile.TemporaryDirectory() as work:
        empty = Path(work) / "empty"
        env = clean_env(str(empty))
        subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
        owner = [
            "Owner",
            "--email",
            "owner@example.org",
            "--role",
            "process_owner:Incident Management",
        ]
        subprocess.run(
            [*IMPROVE, "people", "add", *owner], env=env, check=True, capture_output=True
        )
        folder = Path(work) / "files"
        folder.mkdir()
        for i in range(1000):
            (folder / f"bench-{i:04d}.yaml").write_text(yaml.safe_dump(improvement_file(i)))
        parse = [sys.executable, "-c", PARSE_FLOOR, str(folder)]
        runs = iter(range(10_000))

        def apply_new() -> float:
            home = Path(work) / f"run-{next(runs)}"
            shutil.copytree(empty, home)
            spent = cpu_of([*IMPROVE, "apply", str(folder)], clean_env(str(home)), cwd=work)
            shutil.rmtree(home)
            return spent

        created = paired(apply_new, lambda: cpu_of(parse, env, cwd=work), max(3, PAIRS // 2))
        print(created.line("`improve apply` of 1,000 new files, one call, CPU"))
        subprocess.run([*IMPROVE, "apply", str(folder)], env=env, check=True, capture_output=True)
        again = paired(
            lambda: cpu_of([*IMPROVE, "apply", str(folder)], env, cwd=work),
            lambda: cpu_of(parse, env, cwd=work),
            max(3, PAIRS // 2),
        )
        print(again.line("`improve apply` of the same 1,000 files again (unchanged), CPU"))


def main() -> None:
    against_the_floor()
    listing_at_scale()
    applying()


if __name__ == "__main__":
    if sys.argv[1:] == ["floor"]:  # the commands against the floor alone
        against_the_floor()
    elif sys.argv[1:] == ["instructions"]:  # the same, counted in instructions
        counted_against_the_floor()
    elif sys.argv[1:] == ["scale"]:  # the listing at 10,000 and apply of 1,000 files alone
        listing_at_scale()
        applying()
    else:
        main()
