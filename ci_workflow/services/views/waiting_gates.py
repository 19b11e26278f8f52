"""Gates waiting for a decision, as people see them: since when, who may decide.

Read through ``store.gate_reads`` (Core clauses, plain rows) and shaped as plain dicts with the
fields of ``schemas.PendingGate``: ``improve gates`` imports neither the store's tables nor the
shapes (``tests/test_packaging.py``); the workspace's callers get the models
(``pending_gates``, ``shapes.pending_for``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.authority.permissions import Action, allowed, who_may_decide
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import Gate, gate_key
from ci_workflow.settings import get_settings
from ci_workflow.store import gate_reads as reads
from ci_workflow.store.db import Reader, transaction
from ci_workflow.store.people.parties import parties_by_id

if TYPE_CHECKING:
    from ci_workflow.schemas import PendingGate


def pending_rows(
    session: Reader, requests: Sequence[Any], directory: Directory | None = None
) -> list[dict[str, Any]]:
    """The fields of ``PendingGate`` of each of these gate requests (rows or ``GateRequest``s),
    in a handful of queries whatever their number. Someone without a role decides only as the
    improvement's owner or team member: the rule is asked only of who could pass it (1,000
    gates × 60 people took 0.27 s)."""
    ids = [r.improvement_id for r in requests]
    titles, parties = reads.titles(session, ids), parties_by_id(session, ids)
    people = (directory or reads.directory(session)).people  # a caller's, read once
    separation, now = get_settings().separation_of_duties, utcnow()
    shown = []
    for request in requests:
        gate, involved = Gate(request.gate), parties[request.improvement_id]
        waited = (now - as_utc(request.opened_at)).total_seconds() / 86400
        shown.append(
            {
                "id": format_id(request.improvement_id),
                "title": titles[request.improvement_id],
                "gate": gate,
                "attempt": request.attempt,
                "key": gate_key(gate, request.attempt),
                "waiting_since": request.opened_at,
                "waiting_days": round(waited, 2),
                "may_decide": who_may_decide(gate, involved, separation=separation),
                "deciders": [
                    p.name
                    for p in people
                    if (p.grants or p.id == involved.owner_id or p.id in involved.team_ids)
                    and allowed(Action.decide, p, involved, gate=gate, separation=separation)
                ],
                "flow_run_id": request.flow_run_id,
                "warnings": [],
                "confirm_for": [],
            }
        )
    return shown


def pending_gates(ref: str | None = None) -> list[PendingGate]:
    from ci_workflow.schemas import PendingGate

    with transaction(write=False) as session:
        improvement_id = reads.improvement_id(session, ref) if ref else None
        rows = pending_rows(session, reads.waiting_requests(session, improvement_id))
    return [PendingGate.model_validate(row) for row in rows]


@dataclass(frozen=True)
class WaitingAt:
    """Where one improvement waits, without who may decide: enough to check a decision form."""

    shown_id: str
    gate: Gate | None
    key: str | None


def waiting_at(ref: str) -> WaitingAt:
    with transaction(write=False) as session:
        improvement_id = reads.improvement_id(session, ref)
        waiting = reads.waiting_requests(session, improvement_id)
    shown = format_id(improvement_id)
    if not waiting:
        return WaitingAt(shown, None, None)
    gate = Gate(waiting[-1].gate)
    return WaitingAt(shown, gate, gate_key(gate, waiting[-1].attempt))
