"""What an update of an improvement's file changes: the fields by name, and field by field with
old and new values as the audit trail records it (who changed what is history, not only that
something changed). Worked out from the rows the register holds, without a query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from ci_workflow.domain.improvement.field_diffs import objective_value_changes, shown, value_change
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.measures.sustainment import keep_text
from ci_workflow.services.register._spec_rows import (
    COPIED,
    PlanRow,
    Wanted,
    from_spec,
    plan_fields,
    recorded_start,
)


def changed_fields(
    improvement: Any,
    spec: ImprovementSpec,
    wanted: Wanted,
    team: frozenset[int],
    plan: Sequence[Any],
    objectives_changed: bool,
    started: datetime | None,
) -> list[str]:
    """The improvement's own fields, people, team, objectives and plan that the file changes;
    ``improvement``, ``team`` and ``plan`` as the register holds them."""
    changed = [f for f in COPIED if getattr(improvement, f) != from_spec(spec, f)]
    if wanted.owner_id != improvement.owner_id:
        changed.append("owner")
    if wanted.process_owner_id != improvement.process_owner_id:
        changed.append("process_owner")
    if spec.identified and spec.identified != improvement.identified_at.date():
        changed.append("identified")
    if started != recorded_start(improvement):
        changed.append("started")
    if team != set(wanted.team_ids):
        changed.append("team")
    if objectives_changed:
        changed.append("objectives")
    if [plan_fields(a) for a in plan] != [plan_fields(a) for a in wanted.plan]:
        changed.append("plan")
    return changed


def change_details(
    improvement: Any,
    spec: ImprovementSpec,
    wanted: Wanted,
    held: tuple[Sequence[Any], frozenset[int], Sequence[Any]],
    names: dict[int, str],
    started: datetime | None,
) -> list[str]:
    """``held``: the objectives in force, team and plan the register holds; ``started`` is the
    start it will have; ``names``: people's names by id."""
    objectives, team, plan = held
    details = [
        f"{f} {keep_text(getattr(improvement, f))} → {keep_text(from_spec(spec, f))}"
        if f == "sustain_keep"  # a share, as the file writes it
        else value_change(f, getattr(improvement, f), from_spec(spec, f))
        for f in COPIED
        if getattr(improvement, f) != from_spec(spec, f)
    ]
    for field in ("owner_id", "process_owner_id"):
        old, new = getattr(improvement, field), getattr(wanted, field)
        if old != new:
            details.append(value_change(field.removesuffix("_id"), names[old], names[new]))
    if spec.identified and spec.identified != improvement.identified_at.date():
        old_date = improvement.identified_at.date()
        details.append(value_change("identified", old_date, spec.identified))
    if started != recorded_start(improvement):
        details.append(
            value_change("started", _as_written(recorded_start(improvement)), _as_written(started))
        )
    before = sorted(names[i] for i in team)
    if before != sorted(names[i] for i in wanted.team_ids):
        details.append(value_change("team", before, sorted(names[i] for i in wanted.team_ids)))
    details += objective_value_changes(objectives, wanted.objectives)
    details += _plan_changes(plan, wanted.plan, names)
    return details


def _as_written(moment: datetime | None) -> date | datetime | None:
    """A start as a file gives it: a date when it is midnight UTC, else a UTC date-time."""
    if moment is None:
        return None
    naive = moment.replace(tzinfo=None)  # UTC, as every time in the register
    return naive.date() if naive.time() == time.min else naive


def _plan_changes(
    current: Sequence[Any], wanted: list[PlanRow], names: dict[int, str]
) -> list[str]:
    """By position: an action's fields that changed, and actions added or removed at the end."""
    lines = []
    for number in range(max(len(current), len(wanted))):
        label = f"plan[{number}]"
        if number >= len(current):
            lines.append(f"{label} added: {shown(wanted[number].action)}")
        elif number >= len(wanted):
            lines.append(f"{label} removed: {shown(current[number].action)}")
        else:
            old, new = current[number], wanted[number]
            for field in ("action", "owner_id", "due", "status", "change"):
                before, after = getattr(old, field), getattr(new, field)
                if field == "owner_id":
                    before, after, field = names[before], names[after], "owner"
                if before != after:
                    lines.append(value_change(f"{label}.{field}", before, after))
    return lines
