"""The register's side of bench/scale.py: N improvements waiting at their plan approval, then
`improve gates --json`, the gate watchdog (every gate overdue; then again the same day, nothing to
send), `improve practice-report` and a capture sweep (`improve capture`) over N × 3 objectives,
each a cold process as a person or a schedule runs it (the watchdog has no command: its flow's
function, without Prefect, in `python -c`).

Each figure is the CPU time (user + system) of that process, paired with a baseline in the same
run (A B, B A in turn after a warm-up pair; ``common.paired``, ``common.cpu_of``), printed as the
median of the pair ratios (ours ÷ baseline) with their min and max, and both medians:

- ``BENCH_BEFORE=/path/to/an/older/checkout``: the same command from that checkout's code
  (PYTHONPATH to it, as bench/cli_startup.py does; ``git worktree add /tmp/before <commit>``),
  on the same register (seeded by this code: the older code must accept its schema: 9a3af8d
  does, 53ac782 does not); both sides then start through the same entry,
  ``common.ENTRY``, run in IMPROVE_HOME. Both
  checkouts' ``ci_workflow`` are byte-compiled first (this one's always), as an installed
  package is.
- without it, the floor `python -c "import sqlmodel, typer"` (Python and the libraries every
  command loads), beside the command as installed (`improve ...`).

Before each run of the watchdog's first pass and of the capture, the register is put back as it
was (no gate reminded, no reminder queued; no checkpoint stored), so every run does the same work
(checked: the same e-mails each time; every checkpoint stored).

The register is seeded through the product's own code (apply, the define stage, opening the
gate), in this process; every measurement runs in a new one. ``BENCH_PAIRS`` (default 5) sets
the pairs: `BENCH_PAIRS=9 python bench/scale.py register 50 200 1000` for more.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import CLI_FLOOR, ENTRY, IMPROVE, ROOT, Paired, compiled, cpu_of, paired

sys.path.insert(0, str(ROOT))

from tests.helpers import improvement_doc, objective_doc
from tests.servers import mailbox_on

PROCESSES = [f"Process {p}" for p in range(10)]
PEOPLE = 60  # 10 process owners, 2 CI managers, the rest owners and team members
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))


def people() -> list[tuple[str, str, list[str]]]:
    found = []
    for n in range(PEOPLE):
        roles = [f"process_owner:{PROCESSES[n]}"] if n < len(PROCESSES) else []
        roles += ["ci_manager"] if n in (10, 11) else []
        found.append((f"Person {n:02d}", f"p{n:02d}@example.org", roles))
    return found


def documents(count: int, data: Path) -> list[tuple[str, str]]:
    """``count`` improvement files, each with 3 objectives read from a small SQLite database."""
    import yaml

    source = {"kind": "sql", "url": f"sqlite:///{data}", "query": "SELECT AVG(hours) FROM t"}
    docs = []
    for i in range(count):
        owner, member = f"Person {12 + i % 48:02d}", f"Person {12 + (i + 1) % 48:02d}"
        doc = improvement_doc(
            key=f"scale-{i:05d}",
            title=f"Scale improvement {i}",
            owner=owner,
            team=[owner, member],
            process=PROCESSES[i % len(PROCESSES)],
            objectives=[objective_doc(metric=f"m{k}", source=source) for k in range(3)],
            plan=[{"action": "Change a rule", "owner": member, "due": "2027-02-15"}],
        )
        docs.append((str(data.parent / f"scale-{i:05d}.yaml"), yaml.safe_dump(doc)))
    return docs


def seed(count: int, folder: Path) -> float:
    """The register with ``count`` improvements waiting at plan approval; seconds it took."""
    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.services.lifecycle.gate_opening import open_gate
    from ci_workflow.services.lifecycle.stages import define_stage
    from ci_workflow.services.people.directory import add_person
    from ci_workflow.services.register.apply import apply_documents
    from ci_workflow.services.register.setup import init_store

    begin = time.perf_counter()
    data = folder / "metric.db"
    with sqlite3.connect(data) as connection:
        connection.execute("CREATE TABLE t (hours REAL)")
        connection.executemany("INSERT INTO t VALUES (?)", [(h / 7,) for h in range(500)])
    init_store()
    for name, email, roles in people():
        add_person(name, email=email, roles=roles)
    applied = apply_documents(documents(count, data), actor=operating_system("bench"))
    for n, done in enumerate(applied):
        improvement_id = int(done.id.split("-")[1])
        run_id = f"00000000-0000-4000-8000-{n:012d}"
        define_stage(improvement_id, run_id)
        open_gate(improvement_id, "plan_approval", 1, run_id)
    return time.perf_counter() - begin


WATCHDOG = (
    "from ci_workflow.services.lifecycle.watchdog import report_overdue_gates; "
    "print(len(report_overdue_gates(0)))"
)


class Sides:
    """Ours and the baseline, as commands: ``improve ...`` (or the same entry for two checkouts
    when ``BENCH_BEFORE`` names an older one) and ``python -c ...`` for a flow's function."""

    def __init__(self, env: dict[str, str]) -> None:
        self.before = os.environ.get("BENCH_BEFORE")
        self.env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        self.cwd = self.env["IMPROVE_HOME"]  # `python -c` puts its folder first on the path
        compiled(ROOT, *([Path(self.before)] if self.before else []))

    @property
    def baseline_name(self) -> str:
        return f"the same from {self.before}" if self.before else "`import sqlmodel, typer`"

    def cli(self, *words: str) -> list[str]:
        return [*(ENTRY if self.before else IMPROVE), *words]

    def pairs(
        self,
        command: list[str],
        extra: dict[str, str] | None = None,
        reset: Callable[[], None] = lambda: None,
    ) -> Paired:
        env = self.env | (extra or {})

        def ours() -> float:
            reset()
            return cpu_of(command, env, cwd=self.cwd)

        def baseline() -> float:
            if not self.before:
                return cpu_of(CLI_FLOOR, env, cwd=self.cwd)
            reset()
            return cpu_of(command, env | {"PYTHONPATH": self.before}, cwd=self.cwd)

        return paired(ours, baseline, PAIRS)


def printed(command: list[str], env: dict[str, str], cwd: str) -> str:
    """What one run of ``command`` prints (a check, not a measurement)."""
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def measure(count: int, home: Path) -> list[str]:
    """Seed a register of ``count`` waiting improvements under ``home``; each figure's line."""
    os.environ["IMPROVE_HOME"] = str(home)
    seeded = seed(count, home)
    db = home / "improve.db"
    sides = Sides(dict(os.environ))
    lines = [f"N = {count:,}: seeded in {seeded:.1f} s; baseline {sides.baseline_name}"]

    def run(sql: str) -> Callable[[], None]:
        def reset() -> None:
            with sqlite3.connect(db) as connection:
                connection.executescript(sql)

        return reset

    gates = sides.cli("gates", "--json")
    assert len(json.loads(printed(gates, sides.env, sides.cwd))) == count, "every gate listed"
    lines.append(sides.pairs(gates).line(f"improve gates --json, N = {count:,}"))
    watchdog = [sys.executable, "-c", WATCHDOG]
    with mailbox_on() as box:  # the reminders go out by e-mail, as in production
        mail = {
            "IMPROVE_SMTP_HOST": "127.0.0.1",
            "IMPROVE_SMTP_PORT": str(box.port),
            "IMPROVE_SMTP_STARTTLS": "false",
        }
        unremind = run(
            "UPDATE gate_request SET reminded_at = NULL; "
            "DELETE FROM notification WHERE kind = 'gate_overdue';"
        )
        unremind()
        reported = printed(watchdog, sides.env | mail, sides.cwd)
        assert int(reported) == count, reported
        mails = len(box.received)
        first = sides.pairs(watchdog, mail, unremind)
        runs = 1 + len(first.ours) + 1 + (len(first.baseline) + 1 if sides.before else 0)
        assert len(box.received) == runs * mails, "every first pass sends the same e-mails"
        lines.append(
            first.line(f"gate watchdog, every gate overdue, N = {count:,}, {mails} e-mails")
        )
        again = sides.pairs(watchdog, mail)  # reminded today: nothing to send
        lines.append(
            again.line(f"the watchdog again the same day (nothing to send), N = {count:,}")
        )
    practice = sides.cli("practice-report", "--force")  # into IMPROVE_HOME/reports
    lines.append(sides.pairs(practice).line(f"improve practice-report, N = {count:,}"))
    # The sweep reads executing improvements: moved there in the database, a shortcut past
    # 1,000 approvals that the Prefect side of the bench measures on its own.
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE improvement SET status = 'executing'")
    uncapture = run("DELETE FROM metric_snapshot WHERE kind = 'checkpoint'")
    capture = sides.pairs(sides.cli("capture"), reset=uncapture)
    with sqlite3.connect(db) as connection:
        (stored,) = connection.execute(
            "SELECT COUNT(*) FROM metric_snapshot WHERE kind = 'checkpoint' AND value IS NOT NULL"
        ).fetchone()
    assert stored == 3 * count, f"{stored} checkpoints stored of {3 * count}"
    lines.append(capture.line(f"improve capture, N × 3 = {3 * count:,} objectives"))
    return lines


if __name__ == "__main__":
    import tempfile

    for n in [int(a) for a in sys.argv[1:]] or [50]:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"CPU (user + system), {PAIRS} pairs after a warm-up pair:")
            print("\n".join(measure(n, Path(tmp))))
