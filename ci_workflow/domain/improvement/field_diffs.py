"""What an update of an improvement's file changes, and what it may not change once the plan
went for approval: the yardstick it is measured against.

Of an objective, its measurement and target are frozen; its source, description and KPI kind may
still be corrected (a database moves, a query is fixed), and the change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

FROZEN_AFTER_APPROVAL = (
    "process",
    "owner",
    "process_owner",
    "service_owner_signoff",
    "benefits",  # the forecast is what the plan was approved with
)
# What an objective is measured against: frozen once the plan is approved. ``input_metric``
# (process efficiency's input) decides how its result is computed, so it is one of them.
TARGET_FIELDS = ("baseline", "target", "direction", "due", "window", "unit", "input_metric")
OTHER_OBJECTIVE_FIELDS = ("description", "source", "kpi_kind")
TARGET_CHANGE = "objective "  # how a change that touches a target begins


class ObjectiveDefinition(Protocol):
    metric: str
    baseline: float | None
    baseline_mode: str
    target: float
    direction: str
    due: Any
    window: str
    unit: str
    description: str
    source: dict[str, Any]
    kpi_kind: str
    input_metric: str | None


def objective_changes(
    current: Sequence[ObjectiveDefinition], wanted: Sequence[ObjectiveDefinition]
) -> list[str]:
    """What differs, one phrase each; those starting with ``TARGET_CHANGE`` touch targets."""
    have = {o.metric: o for o in current}
    want = {o.metric: o for o in wanted}
    changes = [f"{TARGET_CHANGE}{m!r} added" for m in want if m not in have]
    changes += [f"{TARGET_CHANGE}{m!r} removed" for m in have if m not in want]
    for metric in [m for m in want if m in have]:  # in the file's order, every run alike
        old, new = have[metric], want[metric]
        targets = [
            f for f in TARGET_FIELDS if f != "baseline" and getattr(old, f) != getattr(new, f)
        ]
        if baseline_differs(old, new):
            targets.insert(0, "baseline")
        if targets:
            changes.append(f"{TARGET_CHANGE}{metric!r} {', '.join(targets)}")
        others = [f for f in OTHER_OBJECTIVE_FIELDS if getattr(old, f) != getattr(new, f)]
        if others:
            changes.append(f"{metric!r} {', '.join(others)}")
    if [o.metric for o in current] != [o.metric for o in wanted] and not changes:
        changes.append("objective order")
    return changes


def baseline_differs(old: ObjectiveDefinition, new: ObjectiveDefinition) -> bool:
    """A measured baseline is data, not the file's definition: it differs only when the file
    changes how the baseline is set, or the number it sets."""
    if old.baseline_mode == "measure" and new.baseline_mode == "measure":
        return False
    return (old.baseline_mode, old.baseline) != (new.baseline_mode, new.baseline)


def frozen_changes(changed_fields: list[str], objective_changes: list[str]) -> list[str]:
    """The changes an improvement past its plan approval refuses."""
    frozen = [f for f in changed_fields if f in FROZEN_AFTER_APPROVAL]
    return frozen + [c for c in objective_changes if c.startswith(TARGET_CHANGE)]


def shown(value: Any) -> str:
    """A value as the audit trail shows it: short, quoted if text, never a secret (sources are
    redacted before they get here)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(shown(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= 100 else text[:99] + "…"


def value_change(label: str, old: Any, new: Any) -> str:
    return f"{label} {shown(old)} → {shown(new)}"


def objective_value_changes(
    current: Sequence[ObjectiveDefinition], wanted: Sequence[ObjectiveDefinition]
) -> list[str]:
    """Each changed field of each objective with its old and new value, for the audit trail."""
    from ci_workflow.domain.redact import redact_source

    have = {o.metric: o for o in current}
    want = {o.metric: o for o in wanted}
    lines = [f"objective {m!r} added" for m in want if m not in have]
    lines += [f"objective {m!r} retired (its snapshots are kept)" for m in have if m not in want]
    for metric in [m for m in want if m in have]:
        old, new = have[metric], want[metric]
        for field in (*TARGET_FIELDS, *OTHER_OBJECTIVE_FIELDS):
            if field == "baseline":
                if baseline_differs(old, new):
                    lines.append(value_change(f"{metric}.baseline", _baseline(old), _baseline(new)))
            elif field == "source":
                if old.source != new.source:
                    lines.append(
                        value_change(
                            f"{metric}.source", redact_source(old.source), redact_source(new.source)
                        )
                    )
            elif getattr(old, field) != getattr(new, field):
                lines.append(
                    value_change(f"{metric}.{field}", getattr(old, field), getattr(new, field))
                )
    return lines


def _baseline(objective: ObjectiveDefinition) -> Any:
    return "measure" if objective.baseline_mode == "measure" else objective.baseline


def brings_code(
    current: Sequence[ObjectiveDefinition], wanted: Sequence[ObjectiveDefinition]
) -> list[str]:
    """Metrics whose source becomes a Python function, or another one: code the flow will run."""
    have = {o.metric: o.source for o in current}
    return [
        o.metric
        for o in wanted
        if o.source.get("kind") == "python"
        and (have.get(o.metric) or {}).get("function") != o.source.get("function")
    ]
