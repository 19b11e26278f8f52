"""One improvement's whole life as one Prefect flow run, waiting at gates without a process.

define → plan_approval gate (approve | reject | rework → resubmitted gate → plan_approval again)
→ execution (execution_complete gate) → review, report delivered (review_signoff gate: accept |
extend → execution) → consolidate, final report delivered. The flow only orders the tasks; each
is a ci_workflow function, so replay after a resume finds it cached and repeats no side effect.
"""

from __future__ import annotations

import gc
from collections import Counter

from prefect import flow, runtime
from prefect.flow_runs import suspend_flow_run

from ci_workflow.domain.stages.gates import Gate, gate_key
from ci_workflow.orchestration.gate_inputs import ANSWERS
from ci_workflow.orchestration.tasks import (
    consolidate,
    decide,
    define,
    deliver,
    open_gate,
    publish,
    review,
)


@flow(name="improvement-lifecycle", persist_result=True, log_prints=True)
def improvement_lifecycle(improvement_id: int) -> str:
    # Each run of this flow is a fresh process that ends at the next gate: what Prefect loaded
    # lives until then, so the collector stops rescanning it (measured: 0.06 s of about 2 s).
    gc.freeze()
    run_id = str(runtime.flow_run.id)
    attempts: Counter[Gate] = Counter()

    def wait_at(gate: Gate) -> str:
        """Suspend until an authorised decision arrives; a refused answer opens the gate again."""
        while True:
            attempts[gate] += 1
            attempt = attempts[gate]
            description, recorded = open_gate(improvement_id, gate, attempt, run_id)
            if recorded is not None:  # a new run replaying what the register already holds
                outcome = recorded
            else:
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
        deliver(improvement_id, f"review-{rounds}")
        publish(improvement_id, f"review-{rounds}")
        if (decision := wait_at(Gate.review_signoff)) == "accept":
            break
        if decision != "extend":
            return decision
    consolidate(improvement_id)
    deliver(improvement_id, "final")
    publish(improvement_id, "final")
    return "closed"
