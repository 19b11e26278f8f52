"""A bare Prefect flow shaped like the lifecycle (tasks and suspends), for bench/gate_latency.py."""

from __future__ import annotations

from prefect import flow, task
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput


class Answer(RunInput):
    decision: str


@task
def step(name: str) -> str:
    return name


@flow(name="bare-lifecycle", persist_result=True)
def bare_lifecycle(tag: str) -> str:
    step("define")
    for gate in ("plan-approval-1", "execution-complete-1", "review-signoff-1"):
        step(f"open {gate}")
        answer = suspend_flow_run(wait_for_input=Answer, key=gate, timeout=None)
        step(f"decide {gate} {answer.decision}")
    step("review")
    step("consolidate")
    return tag


if __name__ == "__main__":
    # Served as Prefect serves a flow (its own runner, a new interpreter for every run), with the
    # settings and the limit of flow processes at once `improve serve` has: the baseline of
    # bench/gate_latency.py and bench/scale_prefect.py.
    import os

    from prefect import serve

    from ci_workflow.orchestration import configure_prefect, serving_environment

    os.environ.update(serving_environment())
    configure_prefect()
    from ci_workflow.orchestration.serve import concurrent_runs

    serve(bare_lifecycle.to_deployment(name="bare-lifecycle"), limit=concurrent_runs())
