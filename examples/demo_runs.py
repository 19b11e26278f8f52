"""The lifecycle's ``Runs`` port for history: the steps of ``flows/improvement_lifecycle.py``, in
the same order and through the same use cases as its tasks, run in this process as soon as a
decision arrives, instead of a Prefect flow run that would wait at each gate.

Decisions still go through ``send_decision`` (checked, claimed, signed) and are checked again by
``decide_gate``, as the flow does; only the waiting is left out. Each run's id is a UUID Prefect
does not know, so once Prefect runs, ``improve reconcile`` (or the hourly watchdog) replaces the
run of an improvement still waiting at a gate by a real one that replays these decisions.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from ci_workflow.domain.stages.gates import Gate
from ci_workflow.domain.stages.stranding import RunSeen
from ci_workflow.services.lifecycle.gate_decisions import decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import consolidate_stage, define_stage, review_stage
from ci_workflow.services.people.notifications import dispatch
from ci_workflow.services.reporting.delivery import deliver_review

HISTORY = uuid.UUID("6f1d2c3b-5a4e-4d7c-9b8a-0e1f2a3b4c5d")

# After a decision taken at a gate: the gate the flow waits at next (None: the run ends).
NEXT = {
    (Gate.plan_approval, "approve"): Gate.execution_complete,
    (Gate.plan_approval, "rework"): Gate.resubmitted,
    (Gate.resubmitted, "resubmit"): Gate.plan_approval,
    (Gate.execution_complete, "complete"): Gate.review_signoff,
    (Gate.review_signoff, "extend"): Gate.execution_complete,
}


class HistoryRuns:
    def __init__(self) -> None:
        self.improvements: dict[str, int] = {}
        self.waiting: dict[str, tuple[Gate, int]] = {}
        self.attempts: Counter[tuple[str, Gate]] = Counter()
        self.rounds: Counter[str] = Counter()

    def start(self, improvement_id: int, shown_id: str, title: str) -> str:
        run = str(uuid.uuid5(HISTORY, shown_id))
        self.improvements[run] = improvement_id
        define_stage(improvement_id, run)
        self._open(run, Gate.plan_approval)
        return run

    def state(self, flow_run_id: str) -> RunSeen:
        if flow_run_id in self.waiting:
            return RunSeen("PAUSED", "Suspended")
        return RunSeen("COMPLETED", "Completed")

    def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
        improvement_id, (gate, attempt) = self.improvements[flow_run_id], self.waiting[flow_run_id]
        outcome = decide_gate(improvement_id, gate, attempt, run_input).for_flow
        dispatch()
        if outcome == "refused":
            self._open(flow_run_id, gate)
            return
        del self.waiting[flow_run_id]
        if (gate, outcome) == (Gate.execution_complete, "complete"):
            self.rounds[flow_run_id] += 1
            review_stage(improvement_id, self.rounds[flow_run_id])
            deliver_review(improvement_id, f"review-{self.rounds[flow_run_id]}")
        if (gate, outcome) == (Gate.review_signoff, "accept"):
            consolidate_stage(improvement_id)
            deliver_review(improvement_id, "final")
        following = NEXT.get((gate, outcome))
        if following is not None:
            self._open(flow_run_id, following)

    def cancel(self, flow_run_id: str) -> bool:
        return self.waiting.pop(flow_run_id, None) is not None

    def _open(self, run: str, gate: Gate) -> None:
        self.attempts[(run, gate)] += 1
        attempt = self.attempts[(run, gate)]
        open_gate(self.improvements[run], gate, attempt, run)
        self.waiting[run] = (gate, attempt)
