"""What an update of an improvement's file changed, field by field with old and new values, as
the audit trail records it: who changed what is history, not only that something changed."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import Session

from ci_workflow.domain.changes import objective_value_changes, shown, value_change
from ci_workflow.domain.people import Directory
from ci_workflow.domain.spec import ImprovementSpec
from ci_workflow.services.spec_rows import COPIED, Wanted, from_spec, recorded_start
from ci_workflow.store import improvements as store
from ci_workflow.store.tables import Improvement, Objective, PlanAction


def change_details(
    session: Session,
    improvement: Improvement,
    spec: ImprovementSpec,
    wanted: Wanted,
    current_objectives: list[Objective],
    directory: Directory,
    started: datetime | None,
) -> list[str]:
    """Read before the improvement's rows are changed; ``started`` is the start it will have."""
    assert improvement.id is not None
    names = {p.id: p.name for p in directory.people}
    details = [
        value_change(f, getattr(improvement, f), from_spec(spec, f))
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
    team = sorted(p.name for p in store.team_of(session, improvement.id))
    if team != sorted(names[i] for i in wanted.team_ids):
        details.append(value_change("team", team, sorted(names[i] for i in wanted.team_ids)))
    details += objective_value_changes(current_objectives, wanted.objectives)
    details += _plan_changes(store.plan_of(session, improvement.id), wanted, names)
    return details


def _as_written(moment: datetime | None) -> date | datetime | None:
    """A start as a file gives it: a date when it is midnight UTC, else a UTC date-time."""
    if moment is None:
        return None
    naive = moment.replace(tzinfo=None)  # UTC, as every time in the register
    return naive.date() if naive.time() == time.min else naive


def _plan_changes(current: list[PlanAction], wanted: Wanted, names: dict[int, str]) -> list[str]:
    """By position: an action's fields that changed, and actions added or removed at the end."""
    lines = []
    for number in range(max(len(current), len(wanted.plan))):
        label = f"plan[{number}]"
        if number >= len(current):
            lines.append(f"{label} added: {shown(wanted.plan[number].action)}")
        elif number >= len(wanted.plan):
            lines.append(f"{label} removed: {shown(current[number].action)}")
        else:
            old, new = current[number], wanted.plan[number]
            for field in ("action", "owner_id", "due", "status", "change"):
                before, after = getattr(old, field), getattr(new, field)
                if field == "owner_id":
                    before, after, field = names[before], names[after], "owner"
                if before != after:
                    lines.append(value_change(f"{label}.{field}", before, after))
    return lines
