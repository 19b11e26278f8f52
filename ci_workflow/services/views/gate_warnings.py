"""The warnings where a gate is decided (``domain.stages.gate_warnings``), read for the
improvement's page, ``improve gates``, the gate's e-mail and form, and the decision itself.

Read through ``store.gate_reads`` (Core clauses, plain rows): ``improve gates`` imports neither
the store's tables nor the shapes, and the objectives are evaluated (``objective_results``) only
at the gates where their verdict is told (``JUDGED``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.services.views.waiting_gates import pending_rows
from ci_workflow.store import gate_reads as reads
from ci_workflow.store.db import Reader, reading

if TYPE_CHECKING:
    from sqlmodel import Session

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
    """``measured_baselines`` of one improvement, inside the caller's session: only the
    baseline captures of the objectives whose baseline is measured are read (the page of an
    improvement measured a thousand times read every checkpoint for none of them)."""
    improvement_id = improvement.id or 0
    objectives = reads.objectives_for(session, [improvement_id])
    # The objectives ``measured_baselines`` shows, and of them only their baselines.
    measured = [o.id for o in objectives if o.baseline_mode == "measure" and o.baseline is not None]
    attempts = reads.attempts_for(session, measured, kinds=(SnapshotKind.baseline,))
    trail = reads.trails_of(session, [improvement_id], BASELINE_CONFIRMED)[improvement_id]
    return measured_baselines(objectives, attempts, trail)


def warnings_for(session: Reader, waiting: Sequence[tuple[int, Gate]]) -> list[list[GateWarning]]:
    """The warnings of each improvement waiting at its gate, inside the caller's session, in a
    few queries however many gates wait. The verdicts and the plan's changes are read only for
    the gates where the work is judged done (``JUDGED``), the baselines for plan approval."""
    if not waiting:
        return []
    judged = {i for i, gate in waiting if gate in JUDGED}
    approving = {i for i, gate in waiting if gate == Gate.plan_approval}
    objectives: dict[int, list[Any]] = defaultdict(list)
    for o in reads.objectives_for(session, {i for i, _ in waiting}):
        objectives[o.improvement_id].append(o)
    attempts = reads.attempts_for(session, [o.id for found in objectives.values() for o in found])
    results = _results(session, judged) if judged else {}
    planned = reads.plan_changes(session, judged) if judged else {}
    found = reads.changes_by_number(session, (c for cs in planned.values() for c in cs))
    trails = reads.trails_of(session, approving, BASELINE_CONFIRMED) if approving else {}
    return [
        _warnings(
            gate,
            objectives[i],
            attempts,
            results.get(i, {}),
            [_change(reference, found) for reference in planned.get(i, [])],
            measured_baselines(objectives[i], attempts, trails.get(i, [])),
        )
        for i, gate in waiting
    ]


def _warnings(
    gate: Gate,
    objectives: list[Any],
    attempts: dict[int, list[Attempt]],
    results: dict[str, Any],
    changes: list[ChangeFacts],
    baselines: list[MeasuredBaseline],
) -> list[GateWarning]:
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
    return gate_warnings(gate, facts, changes, baselines if gate == Gate.plan_approval else [])


def _change(reference: str, found: dict[str, Any]) -> ChangeFacts:
    change = found.get(reference)
    return ChangeFacts(
        reference=reference,
        state=change.state if change else None,
        outcome=change.outcome if change else None,
        close_code=change.close_code if change else None,
    )


def _results(session: Reader, improvement_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each objective's evaluation, by improvement and metric (imported here: only the judged
    gates need it)."""
    from ci_workflow.services.views.objective_results import evaluations_of

    evaluated = evaluations_of(session, reads.evaluated(session, improvement_ids))
    return {i: {e.metric: e for e in found} for i, found in evaluated.items()}


def warnings_at(session: Session, improvement: Improvement, gate: Gate) -> list[GateWarningPublic]:
    """The warnings of ``improvement`` waiting at ``gate``, inside the caller's session."""
    from ci_workflow.schemas import GateWarningPublic

    (found,) = warnings_for(session, [(improvement.id or 0, gate)])
    return [GateWarningPublic(kind=w.kind, text=w.text) for w in found]


def warned(session: Reader, pending: list[dict[str, Any]], ids: list[int]) -> list[dict[str, Any]]:
    """Each of ``pending`` (the fields of ``PendingGate``, of the improvements ``ids``) with its
    warnings and the decisions that need them confirmed."""
    gates = [Gate(p["gate"]) for p in pending]
    shown = []
    for p, gate, found in zip(
        pending, gates, warnings_for(session, list(zip(ids, gates, strict=True))), strict=True
    ):
        confirm = [d for d in DECISIONS[gate] if any(needs_confirming(d, w.kind) for w in found)]
        warnings = [{"kind": w.kind, "text": w.text} for w in found]
        shown.append(p | {"warnings": warnings, "confirm_for": confirm})
    return shown


def with_warnings(session: Session, pending: PendingGate) -> PendingGate:
    """``pending`` with its warnings and the decisions that need them confirmed."""
    from ci_workflow.schemas import GateWarningPublic

    improvement_id = reads.improvement_id(session, pending.id)
    (fields,) = warned(session, [{"gate": pending.gate}], [improvement_id])
    warnings = [GateWarningPublic.model_validate(w) for w in fields["warnings"]]
    return pending.model_copy(update={"warnings": warnings, "confirm_for": fields["confirm_for"]})


def gates_to_decide(ref: str | None = None) -> list[dict[str, Any]]:
    """The waiting gates (of one improvement, or all), each with its warnings: the fields of
    ``PendingGate`` as plain dicts (``improve gates`` does not load the shapes)."""
    with reading() as connection:
        improvement_id = reads.improvement_id(connection, ref) if ref else None
        requests = reads.waiting_requests(connection, improvement_id)
        pending = pending_rows(connection, requests)
        return warned(connection, pending, [r.improvement_id for r in requests])


def to_confirm(session: Session, improvement: Improvement, gate: Gate, decision: str) -> list[str]:
    """The warnings ``decision`` is taken over only with a confirmation (complete and accept
    over any, approve over an unconfirmed baseline)."""
    (found,) = warnings_for(session, [(improvement.id or 0, gate)])
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
