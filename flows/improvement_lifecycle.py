"""One improvement's whole life as one Prefect flow run, waiting at gates without a process.

define → plan_approval gate (approve | reject | rework → resubmitted gate → plan_approval again)
→ execution (execution_complete gate) → review (review_signoff gate: accept | extend → execution)
→ consolidate. The flow only orders the stages; each stage is a ci_workflow function run as a
task, so replay after a resume finds it cached and repeats no side effect.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from prefect import flow, runtime, task
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import ConfigDict, Field

from ci_workflow.domain.gates import Gate, gate_key
from ci_workflow.services import lifecycle
from ci_workflow.services.delivery import deliver_artifact

define = task(lifecycle.define_stage, name="define")
open_gate = task(lifecycle.open_gate, name="open-gate")
decide = task(lifecycle.decide_gate, name="decide")
review = task(lifecycle.review_stage, name="review")
consolidate = task(lifecycle.consolidate_stage, name="consolidate")


@task(name="publish-report")
def publish(improvement_id: int, kind: str) -> list[str]:
    """The review report as a keyed Markdown artifact, shown on the Prefect UI's Artifacts page."""
    from prefect.artifacts import create_markdown_artifact

    def create(key: str, markdown: str) -> None:
        create_markdown_artifact(markdown=markdown, key=key, description=f"Review report ({kind})")

    return deliver_artifact(improvement_id, kind, create)


class _Answer(RunInput):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="Your name as registered (improve people list).")
    comment: str = Field(default="", description="Why; required to reject, rework or extend.")


class PlanApproval(_Answer):
    decision: Literal["approve", "reject", "rework"]


class Resubmission(_Answer):
    decision: Literal["resubmit"] = "resubmit"


class ExecutionComplete(_Answer):
    decision: Literal["complete"] = "complete"


class ReviewSignoff(_Answer):
    decision: Literal["accept", "extend"]
    lessons: str = Field(default="", description="Lessons learned; required to accept.")
    realised_gain: float | None = Field(default=None, ge=0)
    actual_cost: float | None = Field(default=None, ge=0)


ANSWERS: dict[Gate, type[_Answer]] = {
    Gate.plan_approval: PlanApproval,
    Gate.resubmitted: Resubmission,
    Gate.execution_complete: ExecutionComplete,
    Gate.review_signoff: ReviewSignoff,
}


@flow(name="improvement-lifecycle", persist_result=True, log_prints=True)
def improvement_lifecycle(improvement_id: int) -> str:
    run_id = str(runtime.flow_run.id)
    attempts: Counter[Gate] = Counter()

    def wait_at(gate: Gate) -> str:
        """Suspend until an authorised decision arrives; a refused answer opens the gate again."""
        while True:
            attempts[gate] += 1
            attempt = attempts[gate]
            description = open_gate(improvement_id, gate, attempt, run_id)
            answer = suspend_flow_run(
                wait_for_input=ANSWERS[gate].with_initial_data(description=description),
                key=gate_key(gate, attempt),
                timeout=None,
            )
            outcome = decide(improvement_id, gate, attempt, answer.model_dump())
            if outcome != "refused":
                return outcome

    define(improvement_id, run_id)
    # Any answer other than the expected ones means the improvement ended meanwhile (rejected
    # here, or withdrawn from the CLI while the flow waited).
    while (decision := wait_at(Gate.plan_approval)) != "approve":
        if decision != "rework":
            return "rejected" if decision == "reject" else decision
        if (decision := wait_at(Gate.resubmitted)) != "resubmit":
            return decision
    rounds = 0
    while True:
        if (decision := wait_at(Gate.execution_complete)) != "complete":
            return decision
        rounds += 1
        review(improvement_id, rounds)
        publish(improvement_id, f"review-{rounds}")
        if (decision := wait_at(Gate.review_signoff)) == "accept":
            break
        if decision != "extend":
            return decision
    consolidate(improvement_id)
    publish(improvement_id, "final")
    return "closed"
