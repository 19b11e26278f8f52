"""What an ``apply`` writes, worked out from the rows the register holds (``Current``) without a
query: who may change what, each file's changes and the audit trail's words. It runs before the
write lock is taken, and again under it only if what it read changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.ownership import HANDED_OVER, handover_detail
from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.authority.permissions import Action, Parties, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.field_diffs import (
    brings_code,
    frozen_changes,
    objective_changes,
    value_change,
)
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.measures.evaluation import execution_start
from ci_workflow.domain.stages.lifecycle import EDITABLE_DEFINITION, TERMINAL, Status
from ci_workflow.domain.strategy.benefits import LineRow, line_rows, lines_shown
from ci_workflow.domain.strategy.serves import Link, link_changes, links
from ci_workflow.errors import ChangeRefused
from ci_workflow.services.register._apply_audit import change_details, changed_fields
from ci_workflow.services.register._spec_rows import (
    COPIED,
    ObjectiveSync,
    PlanRow,
    Wanted,
    from_spec,
    objective_sync,
    recorded_start,
    rows_of,
    with_history,
)
from ci_workflow.store.register.apply_rows import Current


@dataclass(frozen=True)
class Change:
    """One file's part: a new improvement (``improvement_id`` None), an update, or nothing."""

    key: str
    outcome: str  # "created", "updated" or "unchanged"
    improvement_id: int | None = None
    changed: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)  # the improvement's columns
    team: list[int] | None = None  # written anew when not None
    objectives: ObjectiveSync | None = None
    plan: list[PlanRow] | None = None  # written anew when not None
    event: dict[str, Any] = field(default_factory=dict)  # its audit event, without id and time
    # An owner handing the improvement over: its own event, which separation of duties reads.
    handover: dict[str, Any] | None = None
    links: list[Link] | None = None  # what it serves and its programme: written anew when set
    benefits: list[LineRow] | None = None  # its benefit lines: written anew when set


Specs = list[tuple[str, ImprovementSpec]]


def refusals(
    specs: Specs, current: Current, directory: Directory, actor: Actor
) -> list[tuple[str, int]]:
    """Files that change an improvement ``actor`` may not change, or may not bring code into:
    each message with the improvement's id."""
    refused: list[tuple[str, int]] = []
    for source, spec in specs:
        existing = current.improvements.get(spec.key)
        if existing is None:
            continue
        parties = Parties(
            existing.process,
            existing.owner_id,
            existing.process_owner_id,
            current.team.get(existing.id, frozenset()),
            existing.service,
            existing.service_owner_signoff,
        )
        shown_id = format_id(existing.id)
        if not _may_change(parties, actor):
            message = (
                f"{actor.name} may not change {shown_id} ({source}): only its owner, its "
                "process owner or a CI manager may"
            )
            refused.append((message, existing.id))
        elif code := _code_brought_in(existing, parties, spec, source, current, directory, actor):
            message = (
                f"{actor.name} may not make {', '.join(code)} of {shown_id} ({source}) a Python "
                "source after its plan's approval: only its process owner or a CI manager may"
            )
            refused.append((message, existing.id))
    return refused


def _may_change(parties: Parties, actor: Actor) -> bool:
    """Its owner, its process owner, a CI manager; or the register's administrator (the CLI on
    its machine, acting for nobody in particular)."""
    if actor.person is None:
        return actor.channel == "cli"
    return allowed(Action.edit, actor.person, parties)


def _code_brought_in(
    improvement: Any,
    parties: Parties,
    spec: ImprovementSpec,
    source: str,
    current: Current,
    directory: Directory,
    actor: Actor,
) -> list[str]:
    """Metrics whose Python function this file brings in after approval, when ``actor`` may
    not: the flow runs that code at every checkpoint."""
    if improvement.status in EDITABLE_DEFINITION:
        return []
    if actor.person is None:
        return [] if actor.channel == "cli" else ["its sources"]
    if allowed(Action.bring_code, actor.person, parties):
        return []
    wanted = rows_of(spec, source, directory)
    return brings_code(_in_force(current, improvement.id), wanted.objectives)


def _in_force(current: Current, improvement_id: int) -> list[Any]:
    return [o for o in current.objectives.get(improvement_id, []) if o.retired_at is None]


def changes(specs: Specs, current: Current, directory: Directory, actor: Actor) -> list[Change]:
    """Each file's change, in order; a file that may not change its improvement is refused
    (``ChangeRefused``) before anything is written."""
    names = {p.id: p.name for p in directory.people}
    found = []
    for source, spec in specs:
        wanted = rows_of(spec, source, directory)
        existing = current.improvements.get(spec.key)
        if existing is None:
            found.append(_create(spec, source, wanted, actor))
        else:
            found.append(_update(existing, spec, source, wanted, current, names, actor))
    return found


def _create(spec: ImprovementSpec, source: str, wanted: Wanted, actor: Actor) -> Change:
    identified = spec.identified or utcnow().date()
    fields = {
        "key": spec.key,
        **{f: from_spec(spec, f) for f in COPIED},
        "owner_id": wanted.owner_id,
        "process_owner_id": wanted.process_owner_id,
        "status": Status.identified.value,
        "identified_at": datetime.combine(identified, datetime.min.time(), tzinfo=UTC),
        "started_at": spec.started_at,
    }
    event = _event(actor, "created", f"registered from {Path(source).name}", Status.identified)
    sync = objective_sync([], wanted.objectives)
    plan = with_history([], wanted.plan)  # an action the file says is done was done today
    tied = links(spec.serves, spec.programme)
    lines = line_rows(spec.benefits)
    return Change(
        spec.key,
        "created",
        None,
        (),
        fields,
        wanted.team_ids,
        sync,
        plan,
        event,
        links=tied,
        benefits=lines or None,
    )


def _update(
    improvement: Any,
    spec: ImprovementSpec,
    source: str,
    wanted: Wanted,
    current: Current,
    names: dict[int, str],
    actor: Actor,
) -> Change:
    improvement_id: int = improvement.id
    shown_id = format_id(improvement_id)
    if improvement.status in TERMINAL:
        raise ChangeRefused(f"{source}: {shown_id} is {improvement.status} and cannot be changed")
    objectives = _in_force(current, improvement_id)
    to_objectives = objective_changes(objectives, wanted.objectives)
    first = current.first_executing.get(improvement_id)
    started = execution_start(
        declared=spec.started_at, first_executing=first, recorded=recorded_start(improvement)
    )
    team, plan = current.team.get(improvement_id, frozenset()), current.plan.get(improvement_id, [])
    changed = changed_fields(improvement, spec, wanted, team, plan, bool(to_objectives), started)
    tied = links(spec.serves, spec.programme)
    retied = link_changes(current.links.get(improvement_id, []), tied)
    changed += [kind for kind, _, _ in retied]
    lines, relined = _benefits(current.benefits.get(improvement_id, []), spec)
    changed += ["benefits"] if relined else []
    if not changed:
        return Change(spec.key, "unchanged", improvement_id)
    frozen = frozen_changes(changed, to_objectives)
    if frozen and improvement.status not in EDITABLE_DEFINITION:
        raise ChangeRefused(
            f"{source}: {'; '.join(frozen)} of {shown_id} cannot change once its plan went for "
            f"approval (status {improvement.status}); withdraw it and register a new improvement"
        )
    details = change_details(improvement, spec, wanted, (objectives, team, plan), names, started)
    details += [value_change(kind, old, new) for kind, old, new in retied]
    details += [relined] if relined else []
    fields = _fields(improvement, spec, wanted, started)
    every = current.objectives.get(improvement_id, [])
    detail = f"changed {', '.join(changed)} from {Path(source).name}: {'; '.join(details)}"
    return Change(
        spec.key,
        "updated",
        improvement_id,
        tuple(changed),
        fields,
        team=wanted.team_ids if "team" in changed else None,
        objectives=objective_sync(every, wanted.objectives) if to_objectives else None,
        plan=with_history(plan, wanted.plan) if "plan" in changed else None,
        event=_event(actor, "updated", detail),
        handover=_handover(actor, improvement.owner_id, wanted.owner_id, names)
        if "owner" in changed
        else None,
        links=tied if retied else None,
        benefits=lines if relined else None,
    )


def _fields(
    improvement: Any, spec: ImprovementSpec, wanted: Wanted, started: Any
) -> dict[str, Any]:
    """The improvement's columns as an update writes them."""
    return {
        "id": improvement.id,
        **{f: from_spec(spec, f) for f in COPIED},
        "owner_id": wanted.owner_id,
        "process_owner_id": wanted.process_owner_id,
        "identified_at": _identified_at(spec, improvement),
        "started_at": started,
    }


def _benefits(held: list[LineRow], spec: ImprovementSpec) -> tuple[list[LineRow], str]:
    """The file's benefit lines, and how they change what the register holds ("" if not)."""
    lines = line_rows(spec.benefits)
    return lines, "" if held == lines else f"benefits {lines_shown(held)} → {lines_shown(lines)}"


def _identified_at(spec: ImprovementSpec, improvement: Any) -> datetime:
    if spec.identified:
        return datetime.combine(spec.identified, datetime.min.time(), tzinfo=UTC)
    identified: datetime = improvement.identified_at
    return identified


def _handover(actor: Actor, former: int, new: int, names: dict[int, str]) -> dict[str, Any]:
    detail = handover_detail(former, names.get(former, f"#{former}"), names.get(new, f"#{new}"))
    return _event(actor, HANDED_OVER, detail)


def _event(actor: Actor, action: str, detail: str, to_status: str | None = None) -> dict[str, Any]:
    return {
        "actor": actor.name,
        "channel": actor.channel,
        "principal": actor.principal,
        "action": action,
        "detail": detail,
        "from_status": None,
        "to_status": to_status,
    }
