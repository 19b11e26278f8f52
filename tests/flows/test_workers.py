"""The production path, run for real: a Prefect server on PostgreSQL, a process work pool with
the deployments of prefect.yaml (`prefect deploy`), two `prefect worker start` processes and the
register on PostgreSQL. A burst of gates answered at once is drained by both workers, each run
once, none failed.

IMPROVE_TEST_DRAIN sets the burst (default 16, to keep the suite short) and IMPROVE_TEST_WORKERS
the workers (default 2): `python bench/scale.py workers 100` drains 100 with one and with two
and prints the throughput of each.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import processes
from tests.flows.conftest import (
    CAST,
    PrefectServer,
    postgres_databases,
    prefect_env,
    use_settings,
)
from tests.helpers import improvement_doc, write_yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DRAIN = int(os.environ.get("IMPROVE_TEST_DRAIN", "16"))
WORKERS = int(os.environ.get("IMPROVE_TEST_WORKERS", "2"))
POOL = "improvement-pool"
RUN_ID = "[0-9a-f-]{36}"


@dataclass
class Production:
    env: dict[str, str]
    workers: list[tuple[str, Path]]  # name, log


def prefect(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(processes.BIN / "prefect"), *args], env=env, cwd=ROOT, check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    with postgres_databases() as (prefect_url, store_url):
        root = tmp_path_factory.mktemp("production")
        server = PrefectServer(root, prefect_url)
        env = {
            **prefect_env(root, server.api_url),
            "IMPROVE_HOME": str(root / "register"),
            "IMPROVE_DATABASE_URL": store_url,
            "IMPROVE_PROJECT_DIR": str(ROOT),
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_LOGGING_EXTRA_LOGGERS": "ci_workflow",
        }
        started: list[subprocess.Popen[bytes]] = []
        try:
            processes.run_improve(env, "init")
            for name, email, *roles in CAST:
                roles_args = [a for r in roles for a in ("--role", r)]
                processes.run_improve(env, "people", "add", name, "--email", email, *roles_args)
            prefect(env, "work-pool", "create", POOL, "--type", "process")
            prefect(env, "--no-prompt", "deploy", "--name", "improvement-lifecycle")
            workers = [(f"worker-{n}", root / f"worker-{n}.log") for n in range(WORKERS)]
            for name, log in workers:
                command = [
                    str(processes.BIN / "prefect"),
                    "worker",
                    "start",
                    "--pool",
                    POOL,
                    "--name",
                    name,
                    "--limit",
                    "4",
                ]
                started.append(processes.start(command, env=env, log=log))
            yield Production(env, workers)
        finally:
            for process in started:
                processes.stop(process)
            server.stop()


def open_gates(gate: str) -> int:
    from ci_workflow.services.views.waiting_gates import pending_gates

    return sum(1 for g in pending_gates() if g.gate == gate)


def test_workers_drain_a_burst_of_answered_gates(
    production: Production, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.domain.stages.gates import Gate
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.decide import send_decision
    from ci_workflow.services.lifecycle.start import start_round

    use_settings(production.env, monkeypatch)
    docs = [improvement_doc(key=f"drain-{n}", title=f"Drained {n}") for n in range(DRAIN)]
    processes.run_improve(production.env, "apply", *[str(write_yaml(tmp_path, d)) for d in docs])
    refs = [f"drain-{n}" for n in range(DRAIN)]  # as `improve start` does: one round
    started = start_round(refs, actor=operating_system("test"), runs=PrefectRuns())
    runs = {n: s.flow_run_id for n, s in enumerate(started)}
    processes.until(
        lambda: open_gates("plan_approval") == DRAIN or None,
        what=f"{DRAIN} runs at their plan approval",
        timeout=900,
    )
    logs_before = {name: log.read_text() for name, log in production.workers}

    def approve(n: int) -> None:
        send_decision(
            f"drain-{n}",
            Gate.plan_approval,
            "approve",
            actor=operating_system("test"),
            runs=PrefectRuns(),
            by="Omar Haddad",
        )

    begin = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(approve, range(DRAIN)))
    processes.until(
        lambda: open_gates("execution_complete") == DRAIN or None,
        what=f"{DRAIN} runs executing",
        timeout=900,
    )
    drained = time.perf_counter() - begin
    from ci_workflow.orchestration import read_state

    def suspended() -> bool:  # none failed: each waits at its next gate, its process gone
        states = [read_state(run) for run in runs.values()]
        return all(s.type == "PAUSED" and s.pause_key == "execution-complete-1" for s in states)

    processes.wait_until(suspended, timeout=300, what="every run suspended at its next gate")
    print(
        f"{WORKERS} worker(s): {DRAIN} answered gates drained in {drained:.1f} s "
        f"({DRAIN / drained:.2f} decisions/s)"
    )
    # Each resumed run was started by one worker, once (both may try: the server aborts the
    # second submission), and both workers took a share.
    ran: dict[str, Counter[str]] = {}
    for name, log in production.workers:
        lines = log.read_text()[len(logs_before[name]) :]
        ran[name] = Counter(re.findall(rf"Worker '{name}' submitting flow run '({RUN_ID})'", lines))
        ran[name].subtract(re.findall(rf"Aborted submission of flow run '({RUN_ID})'", lines))
    every = sum(ran.values(), Counter())
    assert +every == Counter(runs.values()), ran
    assert all(+taken for taken in ran.values()), f"a worker took nothing: {ran}"
    from ci_workflow.services.register.browse import show_improvement

    assert {show_improvement(f"drain-{n}").status for n in range(DRAIN)} == {"executing"}
