"""The register's side of bench/scale.py: N improvements waiting at their plan approval, then
`improve gates --json`, the gate watchdog, a capture sweep over N × 3 objectives and the
practice report, each timed as a cold process (as a person or a schedule runs it).

The register is seeded through the product's own code (apply, the define stage, opening the
gate), in this process; every measurement runs in a new one.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import IMPROVE, ROOT

sys.path.insert(0, str(ROOT))

from tests.helpers import improvement_doc, objective_doc
from tests.servers import mailbox_on

PROCESSES = [f"Process {p}" for p in range(10)]
PEOPLE = 60  # 10 process owners, 2 CI managers, the rest owners and team members


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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds a cold process takes, and what it printed."""
    begin = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - begin
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def timed_python(code: str, env: dict[str, str]) -> tuple[float, str]:
    """The part of a flow that is ours, without Prefect, in a cold process."""
    return timed([sys.executable, "-c", code], env)


WATCHDOG = (
    "from ci_workflow.services.lifecycle.watchdog import report_overdue_gates; "
    "print(len(report_overdue_gates(0)))"
)
PRACTICE = (
    "from ci_workflow.services.reporting.practice import practice_report, period; "
    "print(len(practice_report(*period(None, None), 'html')))"
)


def measure(count: int, home: Path) -> dict[str, Any]:
    """Seed a register of ``count`` waiting improvements under ``home`` and time what people
    and schedules run on it."""
    os.environ["IMPROVE_HOME"] = str(home)
    env = dict(os.environ)
    seeded = seed(count, home)
    gates, listed = timed([*IMPROVE, "gates", "--json"], env)
    assert len(json.loads(listed)) == count, "every seeded gate is listed"
    with mailbox_on() as box:  # the reminders go out by e-mail, as in production
        mail = {
            "IMPROVE_SMTP_HOST": "127.0.0.1",
            "IMPROVE_SMTP_PORT": str(box.port),
            "IMPROVE_SMTP_STARTTLS": "false",
        }
        watchdog, reported = timed_python(WATCHDOG, env | mail)
        assert int(reported) == count, reported
        again, _ = timed_python(WATCHDOG, env | mail)  # reminded today: nothing to send
        mails = len(box.received)
    practice, _ = timed_python(PRACTICE, env)
    # The sweep reads executing improvements: moved there in the database, a shortcut past
    # 1,000 approvals that the Prefect side of the bench measures on its own.
    with sqlite3.connect(home / "improve.db") as connection:
        connection.execute("UPDATE improvement SET status = 'executing'")
    capture, _ = timed([*IMPROVE, "capture"], env)
    with sqlite3.connect(home / "improve.db") as connection:
        (stored,) = connection.execute(
            "SELECT COUNT(*) FROM metric_snapshot WHERE kind = 'checkpoint' AND value IS NOT NULL"
        ).fetchone()
    assert stored == 3 * count, f"{stored} checkpoints stored of {3 * count}"
    return {
        "n": count,
        "seed_s": seeded,
        "gates_json_s": gates,
        "watchdog_s": watchdog,
        "reminders": mails,
        "watchdog_again_s": again,
        "practice_s": practice,
        "capture_s": capture,
    }


if __name__ == "__main__":
    import tempfile

    for n in [int(a) for a in sys.argv[1:]] or [50]:
        with tempfile.TemporaryDirectory() as tmp:
            print(measure(n, Path(tmp)))
