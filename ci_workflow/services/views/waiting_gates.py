"""Gates waiting for a decision, as people see them: since when, who may decide."""

from __future__ import annotations

from dataclasses import dataclass

from ci_workflow.domain.stages.gates import Gate, gate_key
from ci_workflow.schemas import PendingGate
from ci_workflow.services.views.shapes import pending_for
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.register import improvements as store


def pending_gates(ref: str | None = None) -> list[PendingGate]:
    with transaction(write=False) as session:
        improvement_id = store.get_improvement(session, ref).id if ref else None
        return pending_for(session, open_requests(session, improvement_id))


@dataclass(frozen=True)
class WaitingAt:
    """Where one improvement waits, without who may decide: enough to check a decision form."""

    shown_id: str
    gate: Gate | None
    key: str | None


def waiting_at(ref: str) -> WaitingAt:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        waiting = open_requests(session, improvement.id)
        shown = store.display_id(improvement)
    if not waiting:
        return WaitingAt(shown, None, None)
    gate = Gate(waiting[-1].gate)
    return WaitingAt(shown, gate, gate_key(gate, waiting[-1].attempt))
