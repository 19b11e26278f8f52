"""The warnings where a gate is decided (``domain.stages.gate_warnings``), read for the
improvement's page, ``improve gates``, the gate's e-mail and form, and the decision itself."""

from __future__ import annotations

from sqlmodel import Session

from ci_workflow.domain.stages.gate_warnings import (
    Attempt,
    ChangeFacts,
    MeasuredBaseline,
    ObjectiveFacts,
    gate_warnings,
    needs_confirming,
)
from ci_workflow.domain.stages.gates import DECISIONS, Gate
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.schemas import GateWarningPublic, PendingGate
from ci_workflow.services.views.objective_results import evaluations_of
from ci_workflow.services.views.shapes import pending_for
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.intake.change_records import by_number as changes_by_number
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import attempts_for
from ci_workflow.store.tables import AuditEvent, Improvement, Objective

BASELINE_CONFIRMED = "baseline_confirmed"


def measured_baselines(
    objectives: list[Objective], attempts: dict[int, list[Attempt]], trail: list[AuditEvent]
) -> list[MeasuredBaseline]:
    """The objectives whose baseline was measured, each with the line its owner last confirmed
    (``BASELINE_CONFIRMED`` events of the ``trail``)."""
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
    """``measured_baselines`` of one improvement, inside the caller's session: only the
    baseline captures of the objectives whose baseline is measured are read (the page of an
    improvement measured a thousand times read every checkpoint for none of them)."""
    objectives = store.objectives_of(session, improvement.id or 0)
    # The objectives ``measured_baselines`` shows, and of them only their baselines.
    measured = [
        o.id or 0 for o in objectives if o.baseline_mode == "measure" and o.baseline is not None
    ]
    attempts = attempts_for(session, measured, kinds=(SnapshotKind.baseline,))
    return measured_baselines(objectives, attempts, events_for(session, improvement.id or 0))


def warnings_at(session: Session, improvement: Improvement, gate: Gate) -> list[GateWarningPublic]:
    """The warnings of ``improvement`` waiting at ``gate``, inside the caller's session."""
    improvement_id = improvement.id or 0
    objectives = store.objectives_of(session, improvement_id)
    attempts = attempts_for(session, [o.id or 0 for o in objectives])
    results = {e.metric: e for e in evaluations_of(session, [improvement])[improvement_id]}
    facts = [
        ObjectiveFacts(
            metric=o.metric,
            unit=o.unit,
            source=str(o.source.get("kind", "")),
            attempts=attempts[o.id or 0],
            verdict=results[o.metric].verdict if o.metric in results else "not measured",
            latest=results[o.metric].final if o.metric in results else None,
            target=o.target,
        )
        for o in objectives
    ]
    plan = [
        a for a in store.plan_of(session, improvement_id) if a.change and a.status != "cancelled"
    ]
    found = changes_by_number(session, [a.change or "" for a in plan])
    changes = [
        ChangeFacts(
            reference=a.change or "",
            state=found[a.change].state if a.change in found else None,
            outcome=found[a.change].outcome if a.change in found else None,
            close_code=found[a.change].close_code if a.change in found else None,
        )
        for a in plan
    ]
    baselines = (
        measured_baselines(objectives, attempts, events_for(session, improvement_id))
        if gate == Gate.plan_approval
        else []
    )
    return [
        GateWarningPublic(kind=w.kind, text=w.text)
        for w in gate_warnings(gate, facts, changes, baselines)
    ]


def with_warnings(session: Session, pending: PendingGate) -> PendingGate:
    """``pending`` with its warnings and the decisions that need them confirmed."""
    improvement = store.get_improvement(session, pending.id)
    gate = Gate(pending.gate)
    warnings = warnings_at(session, improvement, gate)
    confirm = [d for d in DECISIONS[gate] if any(needs_confirming(d, w.kind) for w in warnings)]
    return pending.model_copy(update={"warnings": warnings, "confirm_for": confirm})


def gates_to_decide(ref: str | None = None) -> list[PendingGate]:
    """The waiting gates (of one improvement, or all), each with its warnings."""
    with transaction(write=False) as session:
        improvement_id = store.get_improvement(session, ref).id if ref else None
        pending = pending_for(session, open_requests(session, improvement_id))
        return [with_warnings(session, p) for p in pending]


def to_confirm(session: Session, improvement: Improvement, gate: Gate, decision: str) -> list[str]:
    """The warnings ``decision`` is taken over only with a confirmation (complete and accept
    over any, approve over an unconfirmed baseline)."""
    found = warnings_at(session, improvement, gate)
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
