"""Benchmark: opening a gate and deciding it, on registers of 1,000 and 10,000 improvements.

Each register is ``report.seed``'s (a quarter of it closed, all of one process, so the lookup of
the closed improvements most like a new one has work), with an approver (process owner of that
process) and fresh improvements to open gates on: planned ones for plan approval, executing ones
for execution complete. For each register a template process imports what a flow process does
and holds no register data; each call is timed in a fork of it, as a flow process (new, or forked
from a warm template) runs it:

- open: the ``open-gate`` task's function (``orchestration.tasks.open_gate``: the gate's request,
  the status, who is told, and the text above its form), for a fresh improvement;
- decide: ``decide.prepare_decision`` + ``claim`` of that gate, what ``improve approve|complete``
  does before the answer goes to Prefect.

Rounds alternate the sizes (1k, 10k, 1k, 10k ...); each figure is CPU and wall time in the fork,
median of ROUNDS, and the 10k ÷ 1k ratio of the pairs (min/median/max). ``--keep DIR`` writes
each plan-approval gate's text to DIR (to compare the text before and after a change on the same
registers). Prints the figures for docs/performance.md; asserts nothing about time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import IMPROVE, ROOT, clean_env
from report import seed

ROUNDS = int(os.environ.get("ROUNDS", "9"))
SIZES = tuple(int(s) for s in os.environ.get("SIZES", "1000,10000").split(","))
APPROVER = "Pat Approver"
OPS = (
    ("open", "plan_approval"),
    ("decide", "plan_approval"),
    ("open", "execution_complete"),
    ("decide", "execution_complete"),
)


def register(home: str, env: dict[str, str], size: int) -> dict[str, list[int]]:
    """``size`` improvements seeded in ``home``, the approver, and ROUNDS fresh improvements
    of each kind: their ids by the gate they will wait at."""
    db = Path(home) / "improve.db"
    subprocess.run([*IMPROVE, "init"], env=env, check=True, capture_output=True)
    seed(db, size)
    subprocess.run(
        [*IMPROVE, "people", "add", APPROVER, "--email", "pat@x.org", "--role", "process_owner:P"],
        env=env,
        check=True,
        capture_output=True,
    )
    stamp = datetime.now(UTC).isoformat(sep=" ")
    fresh: dict[str, list[int]] = {}
    with sqlite3.connect(db) as c:
        (approver,) = c.execute("SELECT id FROM person WHERE name = ?", (APPROVER,)).fetchone()
        for gate, status in (("plan_approval", "planned"), ("execution_complete", "executing")):
            fresh[gate] = []
            for k in range(ROUNDS):
                cursor = c.execute(
                    "INSERT INTO improvement (key, title, description, type, source, process, "
                    "vision, current_state, scope, owner_id, process_owner_id, strategic_impact, "
                    "feasibility, status, identified_at, created_at, updated_at, checkpoint_cron) "
                    "VALUES (?, ?, 'Bench the routing of incidents', 'incremental', 'other', "
                    "'P', 'Faster', '', '', 1, ?, 3, 3, ?, ?, ?, ?, '0 6 * * 1')",
                    (
                        f"fresh-{gate}-{k}",
                        f"Bench fresh {k}",
                        approver,
                        status,
                        stamp,
                        stamp,
                        stamp,
                    ),
                )
                fresh[gate].append(int(cursor.lastrowid or 0))
    return fresh


def template() -> None:
    """The template: imports, then one fork per line read (``op gate id``), which prints its
    times as a line of JSON."""
    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.domain.stages.gates import Gate
    from ci_workflow.orchestration import tasks
    from ci_workflow.services.lifecycle import decide, gate_decisions, gate_opening  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        op, gate, improvement_id = line.split()
        sys.stdout.flush()
        child = os.fork()
        if child == 0:
            try:
                _child(tasks, decide, operating_system, Gate, op, gate, improvement_id)
            except BaseException as error:
                print(json.dumps({"error": repr(error)}), flush=True)
            finally:
                os._exit(0)
        os.waitpid(child, 0)


def _child(
    tasks: Any,
    decide: Any,
    operating_system: Any,
    Gate: Any,
    op: str,
    gate: str,
    improvement_id: str,
) -> None:
    """One call, timed, its times printed as a line of JSON (with the gate's text, if opened)."""
    wall, cpu = time.perf_counter(), time.process_time()
    text = ""
    if op == "open":
        text, _ = tasks.open_gate.fn(int(improvement_id), gate, 1, f"run-{improvement_id}")
    else:
        decision = "approve" if gate == "plan_approval" else "complete"
        sent = decide.prepare_decision(
            improvement_id,
            Gate(gate),
            decision,
            actor=operating_system("bench"),
            by=APPROVER if gate == "plan_approval" else "Owner",
            confirm=True,
            comment="bench",
        )
        decide.claim(sent, operating_system("bench"))
    timed = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
    print(json.dumps({**timed, "text": text}), flush=True)


def _ask(proc: subprocess.Popen[str], op: str, gate: str, improvement_id: int) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{op} {gate} {improvement_id}\n")
    proc.stdin.flush()
    got = dict(json.loads(proc.stdout.readline()))
    if "error" in got:
        raise RuntimeError(f"{op} {gate} {improvement_id}: {got['error']}")
    return got


def main(keep: Path | None) -> None:
    times: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        procs, fresh = {}, {}
        for size in SIZES:
            home = str(Path(tmp) / str(size))
            env = clean_env(home)
            fresh[size] = register(home, env, size)
            procs[size] = subprocess.Popen(
                [sys.executable, __file__, "--template"],
                env=env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert procs[size].stdout is not None
            assert procs[size].stdout.readline().strip() == "ready"
        load = os.getloadavg()
        for r in range(ROUNDS):
            for op, gate in OPS:
                for size in SIZES:
                    got = _ask(procs[size], op, gate, fresh[size][gate][r])
                    times.setdefault((op, gate, size), []).append(got)
                    if keep is not None and got["text"]:
                        (keep / f"{size}-{gate}-{r}.md").write_text(got["text"])
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
        load_after = os.getloadavg()
    _print(times)
    print(f"load average {load[0]:.1f} before, {load_after[0]:.1f} after ({ROUNDS} rounds)")


def _print(times: dict[tuple[str, str, int], list[dict[str, float]]]) -> None:
    small, large = SIZES
    for size in SIZES:
        first = times[("open", "plan_approval", size)][0]
        print(
            f"first plan-approval gate opened at {size} (the one that finds no kept index of the "
            f"closed improvements): cpu {first['cpu'] * 1000:.1f} ms, wall {first['wall'] * 1000:.1f} ms"
        )
    for op, gate in OPS:
        for kind in ("cpu", "wall"):
            a = [t[kind] for t in times[(op, gate, small)]]
            b = [t[kind] for t in times[(op, gate, large)]]
            ratios = sorted(y / x for x, y in zip(a, b, strict=True))
            print(
                f"{op} {gate} ({kind}): 1k median {statistics.median(a) * 1000:.1f} ms, "
                f"10k median {statistics.median(b) * 1000:.1f} ms; 10k/1k per pair "
                f"{ratios[0]:.2f}-{ratios[-1]:.2f}, median {statistics.median(ratios):.2f}"
            )


if __name__ == "__main__":
    if sys.argv[1:] == ["--template"]:
        template()
    else:
        kept = Path(sys.argv[2]) if sys.argv[1:2] == ["--keep"] else None
        if kept is not None:
            kept.mkdir(parents=True, exist_ok=True)
        main(kept)
