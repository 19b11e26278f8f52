"""The warnings where a gate is decided (``domain.stages.gate_warnings``), read for the
improvement's page, ``improve gates``, the gate's e-mail and form, and the decision itself.

Read through ``store.gate_reads`` (Core clauses, plain rows): ``improve gates`` imports neither
the store's tables nor the shapes, and the objectives are evaluated (``objective_results``) only
at the gates where their verdict is told (``JUDGED``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from ci_workflow.domain.stages.gate_warnings import (
    JUDGED,
    Attempt,
    ChangeFacts,
    GateWarning,
    MeasuredBaseline,
    ObjectiveFacts,
    gate_warnings,
    needs_confirming,
)
from ci_workflow.domain.stages.gates import DECISIONS, Gate
from ci_workflow.services.views.waiting_gates import pending_rows
from ci_workflow.store import gate_reads as reads
from ci_workflow.store.db import transaction

if TYPE_CHECKING:
    from ci_workflow.schemas import GateWarningPublic, PendingGate
    from ci_workflow.store.tables import Improvement

BASELINE_CONFIRMED = "baseline_confirmed"


def measured_baselines(
    objectives: Sequence[Any], attempts: dict[int, list[Attempt]], trail: Sequence[Any]
) -> list[MeasuredBaseline]:
    """The objectives (rows or ``Objective``s) whose baseline was measured, each with the line
    its owner last confirmed (``BASELINE_CONFIRMED`` events of the ``trail``)."""
    confirmed = {
        e.detail.split(":", 1)[0]: e.detail for e in trail if e.action == BASELINE_CONFIRMED
    }
    return [
        MeasuredBaseline(
            metric=o.metric,
            unit=o.unit,
            value=o.baseline,
            window=o.window,
            source=str(o.source.get("kind", "")),
            measured_at=max(
                (a.at for a in attempts.get(o.id or 0, []) if a.kind == "baseline" and a.value),
                default=None,
            ),
            confirmed=confirmed.get(o.metric),
        )
        for o in objectives
        if o.baseline_mode == "measure" and o.baseline is not None
    ]


def baselines_of(session: Session, improvement: Improvement) -> list[MeasuredBaseline]:
    """``measured_baselines`` of one improvement, inside the caller's session."""
    return _baselines(session, improvement.id or 0)


def _baselines(session: Session, improvement_id: int) -> list[MeasuredBaseline]:
    objectives = reads.objectives_for(session, [improvement_id])
    attempts = reads.attempts_for(session, [o.id for o in objectives])
    trail = reads.trail_of(session, improvement_id, BASELINE_CONFIRMED)
    return measured_baselines(objectives, attempts, trail)


def warnings_of(session: Session, improvement_id: int, gate: Gate) -> list[GateWarning]:
    """The warnings of the improvement waiting at ``gate``, inside the caller's session."""
    objectives = reads.objectives_for(session, [improvement_id])
    attempts = reads.attempts_for(session, [o.id for o in objectives])
    # The verdicts and the plan's changes are told only where the work is judged done.
    results = _results(session, improvement_id) if gate in JUDGED else {}
    facts = [
        ObjectiveFacts(
            metric=o.metric,
            unit=o.unit,
            source=str(o.source.get("kind", "")),
            attempts=attempts[o.id],
            verdict=results[o.metric].verdict if o.metric in results else "not measured",
            latest=results[o.metric].final if o.metric in results else None,
            target=o.target,
        )
        for o in objectives
    ]
    planned = reads.plan_changes(session, improvement_id) if gate in JUDGED else []
    found = reads.changes_by_number(session, planned)
    changes = [
        ChangeFacts(
            reference=reference,
            state=found[reference].state if reference in found else None,
            outcome=found[reference].outcome if reference in found else None,
            close_code=found[reference].close_code if reference in found else None,
        )
        for reference in planned
    ]
    baselines = (
        measured_baselines(
            objectives, attempts, reads.trail_of(session, improvement_id, BASELINE_CONFIRMED)
        )
        if gate == Gate.plan_approval
        else []
    )
    return gate_warnings(gate, facts, changes, baselines)


def _results(session: Session, improvement_id: int) -> dict[str, Any]:
    """Each objective's evaluation, by metric (imported here: only judged gates need it)."""
    from ci_workflow.services.views.objective_results import evaluations_of

    evaluated = evaluations_of(session, reads.evaluated(session, improvement_id))
    return {e.metric: e for e in evaluated.get(improvement_id, [])}


def warnings_at(session: Session, improvement: Improvement, gate: Gate) -> list[GateWarningPublic]:
    """The warnings of ``improvement`` waiting at ``gate``, inside the caller's session."""
    from ci_workflow.schemas import GateWarningPublic

    found = warnings_of(session, improvement.id or 0, gate)
    return [GateWarningPublic(kind=w.kind, text=w.text) for w in found]


def warned(session: Session, pending: dict[str, Any]) -> dict[str, Any]:
    """``pending`` (the fields of ``PendingGate``) with its warnings and the decisions that need
    them confirmed."""
    gate = Gate(pending["gate"])
    found = warnings_of(session, reads.improvement_id(session, pending["id"]), gate)
    confirm = [d for d in DECISIONS[gate] if any(needs_confirming(d, w.kind) for w in found)]
    warnings = [{"kind": w.kind, "text": w.text} for w in found]
    return pending | {"warnings": warnings, "confirm_for": confirm}


def with_warnings(session: Session, pending: PendingGate) -> PendingGate:
    """``pending`` with its warnings and the decisions that need them confirmed."""
    from ci_workflow.schemas import GateWarningPublic

    fields = warned(session, {"id": pending.id, "gate": pending.gate})
    warnings = [GateWarningPublic.model_validate(w) for w in fields["warnings"]]
    return pending.model_copy(update={"warnings": warnings, "confirm_for": fields["confirm_for"]})


def gates_to_decide(ref: str | None = None) -> list[dict[str, Any]]:
    """The waiting gates (of one improvement, or all), each with its warnings: the fields of
    ``PendingGate`` as plain dicts (``improve gates`` does not load the shapes)."""
    with transaction(write=False) as session:
        improvement_id = reads.improvement_id(session, ref) if ref else None
        pending = pending_rows(session, reads.waiting_requests(session, improvement_id))
        return [warned(session, p) for p in pending]


def to_confirm(session: Session, improvement: Improvement, gate: Gate, decision: str) -> list[str]:
    """The warnings ``decision`` is taken over only with a confirmation (complete and accept
    over any, approve over an unconfirmed baseline)."""
    found = warnings_of(session, improvement.id or 0, gate)
    return [w.text for w in found if needs_confirming(decision, w.kind)]


def unconfirmed(shown: str, gate: Gate, decision: str, warnings: list[str], channel: str) -> str:
    """Deciding over warnings not confirmed, in the words of the channel: the command lists
    them; the page shows them beside the box to tick; the API names its field."""
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if channel == "cli":
        listed = "\n".join(f"  - {w}" for w in warnings)
        return (
            f"{shown} has {count} at {gate}; {decision} was not sent:\n{listed}\n"
            f"Read them; to {decision} all the same, run the command again with --confirm."
        )
    if channel == "api":
        return (
            f"{shown} has {count} at {gate}: {' | '.join(warnings)}. To {decision} all the same, "
            'send "confirm": true.'
        )
    return f"Tick “I have read the warnings” to {decision} over the {count} shown."
