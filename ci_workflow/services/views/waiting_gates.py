"""Gates waiting for a decision, as people see them: since when, who may decide."""

from __future__ import annotations

from dataclasses import dataclass

from ci_workflow.domain.gates import Gate, gate_key
from ci_workflow.schemas import PendingGate
from ci_workflow.services.views.shapes import pending_for
from ci_workflow.store import improvements as store
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.people import load_directory


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
    decided: dict[str, tuple[str, str]]  # each gate decided so far: key -> (by whom, decision)


def waiting_at(ref: str) -> WaitingAt:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        waiting = open_requests(session, improvement.id)
        shown = store.display_id(improvement)
        names = {p.id: p.name for p in load_directory(session).people}
        decided = {
            gate_key(Gate(d.gate), d.attempt): (names.get(d.decided_by_id, "?"), d.decision)
            for d in store.decisions_of(session, improvement.id or 0)
        }
    if not waiting:
        return WaitingAt(shown, None, None, decided)
    gate = Gate(waiting[-1].gate)
    return WaitingAt(shown, gate, gate_key(gate, waiting[-1].attempt), decided)
