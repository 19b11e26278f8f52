"""Benchmark: how soon an approval continues the flow, and the lifecycle's overhead over Prefect.

1. Median seconds from a decision to the next stage starting (the next gate's request row
   appearing in the register: for a plan approval, the improvement is then `executing`), over 20
   gates: half decided with `improve approve|complete`, half in the web workspace (its API, as
   signed in: one request to a warm process). Measured from the decision being made (the command
   started, the request sent) and from its answer returning. Beside each gate, its bare pair
   in the same round: a bare Prefect flow (bench/bare_flow.py) suspended at the same gate,
   answered by what each channel amounts to without the product: for the CLI a fresh
   `python -c` process calling `resume_flow_run`, for the workspace a `resume_flow_run` from
   this warm process; its next stage is the run suspended at its next gate. Ratios per pair.
   Also the command (or request) itself, decided → answer returned, beside the bare script's.
2. Wall time of a whole lifecycle (3 gates answered as soon as they open) against a bare Prefect
   flow with the same suspends and tasks.

Ours is served by `improve serve` (its warm runner), the bare flow as Prefect serves a flow
(`prefect.serve`, a new interpreter for each run), both with the same poll and limit. Starts its
own Prefect server and serving processes on free ports; prints the figures for
docs/performance.md (BENCH_GATES: how many gates, default 20). Nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import processes  # noqa: E402  (the tests' process helpers: start, stop, wait)
from tests.helpers import improvement_doc, write_yaml  # noqa: E402

SPANS = {
    "decided": "decided → next stage",
    "answered": "answer returned → next stage",
    "command": "decided → answer returned (the command or request itself)",
}
GATES = int(os.environ.get("BENCH_GATES", "20"))
PASSWORD = "a bench password"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = processes.free_port()
        api = f"http://127.0.0.1:{port}/api"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
        env |= {"IMPROVE_HOME": str(root / "home"), "IMPROVE_PREFECT_API_URL": api}
        os.environ.update(env)
        from ci_workflow.orchestration import configure_prefect

        configure_prefect()
        env = dict(os.environ)
        improve = processes.improve_command()

        def run(*args: str) -> None:
            subprocess.run([*improve, *args], env=env, check=True, capture_output=True)

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
        serve = bare_serve = web = None
        try:
            processes.wait_until(processes.api_up(api), timeout=90, what="server")
            serve = processes.start([*improve, "serve"], env=env, log=root / "serve.log")
            bare_serve = processes.start(
                [sys.executable, str(ROOT / "bench" / "bare_flow.py")],
                env=env | {"PYTHONPATH": str(ROOT)},
                log=root / "bare.log",
            )
            subprocess.run(
                [*improve, "people", "passwd", "o@example.org", "--password-stdin"],
                env=env,
                input=PASSWORD,
                text=True,
                check=True,
                capture_output=True,
            )
            web_port = processes.free_port()
            web = processes.start(
                [*improve, "web", "--port", str(web_port)], env=env, log=root / "web.log"
            )
            url = f"http://127.0.0.1:{web_port}"
            processes.wait_until(
                lambda: httpx.get(f"{url}/sign-in").status_code == 200,
                timeout=60,
                what="improve web",
            )
            time.sleep(6)
            latencies = measure_gate_latency(root, env, run, url)
            ours, bare = measure_lifecycles(root, env, run)
        finally:
            for process in (web, serve, bare_serve):
                if process is not None:
                    processes.stop(process)
            processes.stop(server)
    for channel in ("cli", "web"):
        for since, what in SPANS.items():
            gates, pairs = latencies[(channel, since)], latencies[(f"bare {channel}", since)]
            ratios = [o / b for o, b in zip(gates, pairs, strict=True)]
            print(
                f"{channel}: {what}, {len(gates)} gates: ratio to the bare pair "
                f"median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max "
                f"{max(ratios):.2f}); ours median {statistics.median(gates):.2f} s (min "
                f"{min(gates):.2f}, max {max(gates):.2f}), bare {statistics.median(pairs):.2f} s"
            )
    print(
        f"whole lifecycle: {statistics.median(ours):.2f} s; bare Prefect flow with the same "
        f"suspends and tasks: {statistics.median(bare):.2f} s; ratio "
        f"{statistics.median(ours) / statistics.median(bare):.2f} (medians of {len(ours)})"
    )


def open_gate_exists(improvement_id: int, gate: str, attempt: int) -> bool:
    from ci_workflow.store.db import transaction
    from ci_workflow.store.gates import find_request

    with transaction(write=False) as session:
        return find_request(session, improvement_id, gate, attempt) is not None


def wait_gate(improvement_id: int, gate: str) -> float:
    """Seconds until the gate's request row appears (polled every 20 ms)."""
    start = time.perf_counter()
    while not open_gate_exists(improvement_id, gate, 1):
        if time.perf_counter() - start > 120:
            raise TimeoutError(f"IMP-{improvement_id}: {gate} never opened")
        time.sleep(0.02)
    return time.perf_counter() - start


def wait_suspended(flow_run_id: str, key: str) -> None:
    from ci_workflow.orchestration import read_state

    processes.wait_until(
        lambda: (s := read_state(flow_run_id)).type == "PAUSED" and s.pause_key == key,
        timeout=120,
        what=f"{flow_run_id} to suspend at {key}",
    )


def measure_gate_latency(
    root: Path, env: dict[str, str], run: Any, url: str
) -> dict[tuple[str, str], list[float]]:
    """Improvements alternate: decided from the CLI, or in the workspace (its API)."""
    token = httpx.post(
        f"{url}/api/tokens", json={"email": "o@example.org", "password": PASSWORD}
    ).json()["token"]
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    for number in range(1, GATES // 2 + 1):
        path = write_yaml(
            root,
            improvement_doc(
                key=f"bench-{number}",
                owner="Owner",
                team=[],
                plan=[{"action": "Act", "owner": "Owner"}],
            ),
        )
        run("apply", str(path))
        run("start", f"bench-{number}")
        wait_gate(number, "plan_approval")
        run_id = flow_run_of(number)
        channel = "web" if number % 2 == 0 else "cli"
        for waiting, decision, following in (
            ("plan-approval-1", "approve", "execution_complete"),
            ("execution-complete-1", "complete", "review_signoff"),
        ):
            wait_suspended(run_id, waiting)
            # People decide seconds or days after a gate opens, not in the same instant: by then
            # serve is done with the run's previous process (a runner starts no second process
            # for a run whose first one is still exiting, which would add a poll to the figure).
            time.sleep(3)
            decided = time.perf_counter()
            # Nothing is measured here: completing confirms over that warning.
            confirm = decision == "complete"
            if channel == "cli":
                run(
                    decision,
                    f"bench-{number}",
                    "--as",
                    "Owner",
                    *(["--confirm"] if confirm else []),
                )
            else:
                answer = httpx.post(
                    f"{url}/api/improvements/bench-{number}/decisions",
                    json={"decision": decision, "confirm": confirm},
                    timeout=60,
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert answer.status_code == 200, answer.text
            answered = time.perf_counter()
            started = answered + wait_gate(number, following)
            latencies[(channel, "decided")].append(started - decided)
            latencies[(channel, "answered")].append(started - answered)
            latencies[(channel, "command")].append(answered - decided)
            bare_decided, bare_answered = bare_gate(env, channel, waiting)
            latencies[(f"bare {channel}", "decided")].append(bare_decided)
            latencies[(f"bare {channel}", "answered")].append(bare_answered)
            latencies[(f"bare {channel}", "command")].append(bare_decided - bare_answered)
    return latencies


BARE_NEXT = {"plan-approval-1": "execution-complete-1", "execution-complete-1": "review-signoff-1"}
BARE_RESUME = (
    "import sys; from uuid import UUID; from prefect.flow_runs import resume_flow_run; "
    "resume_flow_run(UUID(sys.argv[1]), run_input={'decision': 'yes'})"
)


def bare_gate(env: dict[str, str], channel: str, gate: str) -> tuple[float, float]:
    """A bare flow waiting at ``gate``, answered as the channel would be without the product;
    seconds from the decision and from its answer to the run suspended at its next gate."""
    from uuid import UUID

    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    from ci_workflow.orchestration import cancel

    flow_run = run_deployment("bare-lifecycle/bare-lifecycle", parameters={"tag": gate}, timeout=0)
    run_id = str(flow_run.id)  # type: ignore[union-attr]
    for key in ("plan-approval-1", "execution-complete-1", "review-signoff-1"):
        wait_suspended(run_id, key)
        time.sleep(3)  # as for ours: decided a while after the gate opened
        decided = time.perf_counter()
        if key == gate and channel == "cli":
            subprocess.run([sys.executable, "-c", BARE_RESUME, run_id], env=env, check=True)
        else:
            resume_flow_run(UUID(run_id), run_input={"decision": "yes"})
        answered = time.perf_counter()
        if key == gate:
            wait_suspended(run_id, BARE_NEXT[gate])
            now = time.perf_counter()
            cancel(run_id)  # its work here is done
            return now - decided, now - answered
    raise AssertionError(f"no gate {gate}")


def wait_completed(flow_run_id: str, label: str) -> None:
    from ci_workflow.orchestration import read_state

    processes.wait_until(
        lambda: read_state(flow_run_id).type == "COMPLETED", timeout=120, what=label
    )


def flow_run_of(improvement_id: int) -> str:
    from ci_workflow.services.register.browse import show_improvement

    run_id = show_improvement(str(improvement_id)).flow_run_id
    assert run_id is not None
    return run_id


def measure_lifecycles(
    root: Path, env: dict[str, str], run: Any, rounds: int = 3
) -> tuple[list[float], list[float]]:
    from uuid import UUID

    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    answers = [
        ("plan-approval-1", "approve"),
        ("execution-complete-1", "complete"),
        ("review-signoff-1", "accept"),
    ]
    ours, bare = [], []
    for number in range(rounds):
        key = f"whole-{number}"
        run(
            "apply",
            str(
                write_yaml(
                    root,
                    improvement_doc(
                        key=key, owner="Owner", team=[], plan=[{"action": "Act", "owner": "Owner"}]
                    ),
                )
            ),
        )
        for label, deployment, params in (
            ("ours", "improvement-lifecycle/improvement-lifecycle", None),
            ("bare", "bare-lifecycle/bare-lifecycle", {"tag": key}),
        ):
            start = time.perf_counter()
            if params is None:
                from ci_workflow.services.register.browse import show_improvement

                improvement_id = int(show_improvement(key).id.removeprefix("IMP-"))
                flow_run = run_deployment(
                    deployment, parameters={"improvement_id": improvement_id}, timeout=0
                )
            else:
                flow_run = run_deployment(deployment, parameters=params, timeout=0)
            run_id = str(flow_run.id)  # type: ignore[union-attr]
            for gate, decision in answers:
                wait_suspended(run_id, gate)
                answer: dict[str, Any] = {"decision": decision}
                if params is None:
                    answer |= (
                        {"by": "Owner", "lessons": "fast"}
                        if decision == "accept"
                        else {"by": "Owner"}
                    )
                for _ in range(20):  # the schema is stored a moment after the run shows Suspended
                    try:
                        resume_flow_run(UUID(run_id), run_input=answer)
                        break
                    except RuntimeError:
                        time.sleep(0.1)
            wait_completed(run_id, label)
            (ours if params is None else bare).append(time.perf_counter() - start)
    return ours, bare


if __name__ == "__main__":
    main()
