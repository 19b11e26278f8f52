"""The Prefect side of bench/scale.py: a burst of N lifecycle starts and then N approvals, on a
real Prefect server (SQLite) with `improve serve`, against a bare Prefect flow with the same
suspends, served with the same limit of flow processes at once.

1. Burst of starts: N runs created at once (as `improve start` does, from one warm process);
   time until every one waits at its plan approval, peak memory of the server and the serving
   process with its flow processes (sampled from /proc every 0.25 s), runs that failed.
2. Burst of approvals: N approvals sent at once through the workspace's API (a warm process,
   8 at a time); time until every improvement is executing (its next gate open), decisions/s.
   Bare: N `resume_flow_run` from one process, until every run waits at its next gate.

Each flow runs in a process of its own, on a Prefect server of its own with a fresh database:
neither flow's runs weigh on the other's queries. BENCH_ORDER says which goes first ("bare,ours",
the default, or "ours,bare"); only the machine's drift is left between them, so repeat runs
alternate it.

Prints one dictionary per (N, flow). BENCH_PREFECT_DATABASE_URL puts the Prefect servers on
PostgreSQL (postgresql+asyncpg://.../NAME: each flow gets NAME_ours or NAME_bare, created afresh
and dropped after); BENCH_STARTS_ONLY stops after the burst of starts; BENCH_KEEP keeps the
servers' logs, which a run that fails keeps anyway.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from common import ROOT, clean_env, compiled

sys.path.insert(0, str(ROOT))

from tests import processes
from tests.helpers import improvement_doc, write_yaml

PASSWORD = "a bench password"
# Only the burst of starts: N in flight, waiting at their first gate (the 1,000 run's question).
STARTS_ONLY = bool(os.environ.get("BENCH_STARTS_ONLY"))
PAGE = 200


class PeakMemory:
    """The largest total memory of some processes and all their descendants: the sum of their
    proportional set sizes (PSS: a page shared by k processes counts 1/k in each), so pages a
    fork shares with its parent are counted once, as the machine holds them."""

    def __init__(self, *roots: int) -> None:
        self.roots, self.peak, self._stop = set(roots), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            below = [pid for root in self.roots for pid in (root, *processes.descendants(root))]
            self.peak = max(self.peak, sum(proportional_bytes(pid) for pid in below))


def proportional_bytes(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # exited meanwhile
        return 0
    return 1024 * int(rollup.split("\nPss:", 1)[1].split()[0])


def flow_processes(pid: int) -> list[int]:
    """The flow processes below a serving process: not the helpers it keeps (the warm runner's
    template and multiprocessing's resource tracker, its own children)."""
    return [
        child
        for child, (parent, line) in processes.descendants(pid).items()
        if not (parent == pid and "multiprocessing" in line)
    ]


def wait_idle(pid: int) -> None:
    """Until the serving process runs no flow process (each has suspended and exited)."""
    until(lambda: not flow_processes(pid), "flow processes to exit", timeout=600)


def count_runs(deployment: str, state: str, pause_key: str | None = None) -> int:
    """Runs of the deployment in the state (and, paused, at that gate)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )

    runs = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[state])))
    named = DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
    found, offset = 0, 0
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_flow_runs(
                flow_run_filter=runs, deployment_filter=named, limit=PAGE, offset=offset
            )
            found += sum(
                1 for r in page if pause_key is None or r.state.state_details.pause_key == pause_key
            )
            if len(page) < PAGE:
                return found
            offset += PAGE


def failed_runs() -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )

    failed = FlowRunFilterState(type=FlowRunFilterStateType(any_=["FAILED", "CRASHED"]))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(state=failed))
    return [
        f"{r.name}: {r.state.name if r.state else '?'}: {r.state.message if r.state else ''}"
        for r in runs
    ]


def search_path() -> str:
    """The repository first (bare_flow imports ci_workflow), then the caller's PYTHONPATH, so a
    profiling hook there reaches the bare flow's processes as it reaches ours."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)


def budget(count: int) -> float:
    """How long a burst of ``count`` may take before the bench gives up: 30 minutes, or 4 s a
    run (1,000 runs took about 1.3 s each on this machine kind)."""
    return max(1800.0, 4.0 * count)


def until(check: Any, what: str, timeout: float = 1800) -> float:
    begin = time.perf_counter()
    while not check():
        if time.perf_counter() - begin > timeout:
            raise TimeoutError(what)
        time.sleep(0.5)
    return time.perf_counter() - begin


def open_gates(gate: str) -> int:
    from sqlalchemy import func
    from sqlmodel import col, select

    from ci_workflow.store.db import transaction
    from ci_workflow.store.tables import GateRequest

    with transaction(write=False) as session:
        query = select(func.count()).where(
            GateRequest.gate == gate, col(GateRequest.closed_at).is_(None)
        )
        return int(session.exec(query).one())


def ours(count: int, root: Path, env: dict[str, str]) -> dict[str, Any]:
    improve = processes.improve_command()

    def run(*args: str, stdin: bytes | None = None) -> None:
        subprocess.run([*improve, *args], env=env, input=stdin, check=True, capture_output=True)

    run("init")
    run(
        "people",
        "add",
        "Owner",
        "--email",
        "o@example.org",
        "--role",
        "ci_manager",
        "--role",
        "process_owner:Incident Management",
    )
    run("people", "passwd", "o@example.org", "--password-stdin", stdin=PASSWORD.encode())
    docs = [
        str(
            write_yaml(
                root,
                improvement_doc(
                    key=f"burst-{n}",
                    owner="Owner",
                    team=[],
                    plan=[{"action": "Act", "owner": "Owner"}],
                ),
            )
        )
        for n in range(count)
    ]
    run("apply", *docs)
    serve = processes.start([*improve, "serve"], env=env, log=root / "serve.log")
    web_port = processes.free_port()
    web = processes.start([*improve, "web", "--port", str(web_port)], env=env, log=root / "web.log")
    url = f"http://127.0.0.1:{web_port}"
    try:
        processes.wait_until(
            lambda: httpx.get(f"{url}/sign-in").status_code == 200, timeout=60, what="improve web"
        )
        token = httpx.post(
            f"{url}/api/tokens", json={"email": "o@example.org", "password": PASSWORD}
        ).json()["token"]
        time.sleep(5)  # serve has registered its deployments
        from ci_workflow.domain.authority.actors import operating_system
        from ci_workflow.orchestration.runs import PrefectRuns
        from ci_workflow.services.lifecycle.start import start_round

        memory = PeakMemory(serve.pid)
        begin = time.perf_counter()
        refs = [f"burst-{n}" for n in range(count)]  # the door `improve start` uses
        start_round(refs, actor=operating_system("bench"), runs=PrefectRuns())
        created = time.perf_counter() - begin
        at_gate = created + until(
            lambda: open_gates("plan_approval") == count, "all at gate", budget(count)
        )
        peak = memory.stop()
        wait_idle(serve.pid)  # every run has suspended, its process gone
        if STARTS_ONLY:
            return figures("ours", count, created, at_gate, peak)

        def approve(n: int) -> None:
            answer = httpx.post(
                f"{url}/api/improvements/burst-{n}/decisions",
                json={"decision": "approve"},
                timeout=120,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.text

        memory = PeakMemory(serve.pid)
        begin = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(approve, range(count)))
        answered = time.perf_counter() - begin
        executing = answered + until(
            lambda: open_gates("execution_complete") == count, "all executing", budget(count)
        )
        approvals_peak = memory.stop()
        wait_idle(serve.pid)
    finally:
        processes.stop(web)
        processes.stop(serve)
    return figures("ours", count, created, at_gate, peak, answered, executing, approvals_peak)


def bare(count: int, root: Path, env: dict[str, str]) -> dict[str, Any]:
    from uuid import UUID

    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    serve = processes.start(
        [sys.executable, str(ROOT / "bench" / "bare_flow.py")],
        env=env | {"PYTHONPATH": search_path()},
        log=root / "bare.log",
    )
    try:
        time.sleep(10)
        memory = PeakMemory(serve.pid)
        begin = time.perf_counter()
        runs = [
            run_deployment("bare-lifecycle/bare-lifecycle", parameters={"tag": str(n)}, timeout=0)
            for n in range(count)
        ]
        created = time.perf_counter() - begin
        at_gate = created + until(
            lambda: count_runs("bare-lifecycle", "PAUSED", "plan-approval-1") == count,
            "bare at gate",
            budget(count),
        )
        peak = memory.stop()
        wait_idle(serve.pid)
        if STARTS_ONLY:
            return figures("bare", count, created, at_gate, peak)

        def resume(flow_run: Any) -> None:
            resume_flow_run(UUID(str(flow_run.id)), run_input={"decision": "approve"})

        memory = PeakMemory(serve.pid)
        begin = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(resume, runs))
        answered = time.perf_counter() - begin
        executing = answered + until(
            lambda: count_runs("bare-lifecycle", "PAUSED", "execution-complete-1") == count,
            "bare at next gate",
            budget(count),
        )
        approvals_peak = memory.stop()
        wait_idle(serve.pid)
    finally:
        processes.stop(serve)
    return figures("bare", count, created, at_gate, peak, answered, executing, approvals_peak)


def figures(flow: str, count: int, *seconds_and_bytes: float) -> dict[str, Any]:
    """One flow's burst: created, all at gate, peak, then (unless BENCH_STARTS_ONLY) approvals
    answered, all executing, peak."""
    created, at_gate, peak = seconds_and_bytes[:3]
    starts = {
        "flow": flow,
        "n": count,
        "created_s": created,
        "all_at_gate_s": at_gate,
        "peak_mb": peak / 2**20,
    }
    if STARTS_ONLY:
        return starts
    answered, executing, approvals_peak = seconds_and_bytes[3:]
    return starts | {
        "approvals_answered_s": answered,
        "all_executing_s": executing,
        "decisions_per_s": count / executing,
        "approvals_peak_mb": approvals_peak / 2**20,
    }


FLOWS = {"ours": ours, "bare": bare}


def measure(count: int) -> None:
    """One size: each flow in a process of its own, in BENCH_ORDER."""
    compiled(ROOT)  # each flow process would compile the checkout again (≈ 0.05 s)
    for flow in os.environ.get("BENCH_ORDER", "bare,ours").split(","):
        subprocess.run([sys.executable, __file__, "--flow", flow, str(count)], check=True)


def measure_flow(flow: str, count: int) -> None:
    """One flow's bursts on a Prefect server of its own; the servers' logs are kept when it
    fails (or with BENCH_KEEP)."""
    root = Path(tempfile.mkdtemp(prefix=f"scale-{flow}-"))
    try:
        with fresh_database(flow) as database:
            _measure(flow, count, root, database)
    except BaseException:
        print(f"failed: the servers' logs are in {root}", flush=True)
        raise
    if os.environ.get("BENCH_KEEP"):
        print(f"logs in {root}", flush=True)
    else:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(flow: str) -> Iterator[str | None]:
    """BENCH_PREFECT_DATABASE_URL's server with an empty database for this flow (None: the
    Prefect server's own SQLite file, new in this run's home)."""
    url = os.environ.get("BENCH_PREFECT_DATABASE_URL")
    if not url:
        yield None
        return
    import asyncpg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{flow}"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    async def run(*statements: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _measure(flow: str, count: int, root: Path, database: str | None) -> None:
    port = processes.free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = clean_env(str(root / "home")) | {"IMPROVE_PREFECT_API_URL": api}
    os.environ.update(env)
    from ci_workflow.orchestration import configure_prefect

    configure_prefect()
    env = dict(os.environ)
    if database:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database
    server = processes.start(
        [
            str(processes.BIN / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        log=root / "server.log",
    )
    try:
        processes.wait_until(processes.api_up(api), timeout=90, what="server")
        server_memory = PeakMemory(server.pid)
        show(FLOWS[flow](count, root, env))
        print(
            {
                "n": count,
                "flow": flow,
                "server_peak_mb": round(server_memory.stop() / 2**20),
                "failed_runs": failed_runs(),
            },
            flush=True,
        )
    finally:
        processes.stop(server)


def show(result: dict[str, Any]) -> None:
    print({k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--flow"]:
        measure_flow(sys.argv[2], int(sys.argv[3]))
    else:
        for n in [int(a) for a in sys.argv[1:]] or [50]:
            measure(n)
