"""What a waiting gate is shown with, read through Core table clauses
(``store.gate_tables``) into plain rows: the gate requests, the improvements'
titles, the people who may decide, and what the gate's warnings are read from (objectives,
their captures, the plan's changes, the owner's confirmations in the trail).

Not the SQLModel classes: ``improve gates`` must start fast (docs/performance.md), and defining
them costs more than everything else it does. A row has the attributes of the class it stands
for (``row.metric``, ``row.source``...), so the services read either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, select

from ci_workflow.domain.authority.people import Directory, Grant, PersonView
from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.ids import looks_like_id, parse_id
from ci_workflow.domain.stages.gate_warnings import Attempt
from ci_workflow.domain.vocabulary import Role, SnapshotKind
from ci_workflow.errors import ImprovementNotFound
from ci_workflow.store.db import Reader, execute, in_chunks
from ci_workflow.store.gate_tables import (
    audit_event,
    change_record,
    gate_request,
    improvement,
    metric_snapshot,
    objective,
    person,
    plan_action,
    role_assignment,
)

MEASURED = (SnapshotKind.checkpoint, SnapshotKind.final)


def improvement_id(session: Reader, ref: str) -> int:
    """The id of the improvement ``ref`` names (``IMP-0001``, ``1``, or its file's key), as
    ``store.register.improvements.get_improvement`` finds it."""
    i = improvement.c
    wanted = i.id == parse_id(ref) if looks_like_id(ref) else i.key == ref
    found = execute(session, select(i.id).where(wanted).limit(1)).scalar()
    if found is None:
        raise ImprovementNotFound(f"no improvement {ref!r} in the register")
    return int(found)


def waiting_requests(session: Reader, improvement_id: int | None = None) -> list[Row[Any]]:
    """Gates waiting for a decision, oldest first (``store.gates.open_requests`` as rows)."""
    r = gate_request.c
    query = select(r.id, r.improvement_id, r.gate, r.attempt, r.flow_run_id, r.opened_at)
    query = query.where(r.closed_at.is_(None))
    if improvement_id is not None:
        query = query.where(r.improvement_id == improvement_id)
    return list(execute(session, query.order_by(r.opened_at, r.id)))


def titles(session: Reader, ids: Iterable[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in in_chunks(sorted(set(ids))):
        query = select(improvement.c.id, improvement.c.title).where(improvement.c.id.in_(chunk))
        found.update((i, title) for i, title in execute(session, query))
    return found


def directory(session: Reader) -> Directory:
    """Everyone with their role grants, by name (``store.people.people.load_directory``)."""
    grants: dict[int, list[Grant]] = defaultdict(list)
    a = role_assignment.c
    for person_id, role, scope in execute(
        session, select(a.person_id, a.role, a.scope).order_by(a.id)
    ):
        grants[person_id].append(Grant(Role(role), scope or None))
    p = person.c
    people = execute(session, select(p.id, p.name, p.email, p.active).order_by(p.name))
    return Directory(
        PersonView(id=i, name=name, email=email, grants=frozenset(grants.get(i, [])), active=on)
        for i, name, email, on in people
    )


def objectives_for(session: Reader, improvement_ids: Iterable[int]) -> list[Row[Any]]:
    """The objectives in force of these improvements, by improvement and position."""
    o = objective.c
    query = (
        select(objective)
        .where(o.improvement_id.in_(set(improvement_ids)), o.retired_at.is_(None))
        .order_by(o.improvement_id, o.position)
    )
    return list(execute(session, query))


def attempts_for(
    session: Reader,
    objective_ids: Iterable[int],
    kinds: Iterable[str] = (SnapshotKind.baseline, *MEASURED),
) -> dict[int, list[Attempt]]:
    """Every capture of these objectives before closing (baseline, checkpoints, final; or only
    ``kinds``), the failed ones with their error, oldest first: what a gate's warnings are read
    from."""
    ids = set(objective_ids)
    found: dict[int, list[Attempt]] = defaultdict(list)
    if not ids:
        return found
    s = metric_snapshot.c
    rows = execute(
        session,
        select(s.objective_id, s.checkpoint_at, s.kind, s.value, s.error)
        .where(s.objective_id.in_(ids), s.kind.in_(tuple(kinds)))
        .order_by(s.checkpoint_at),
    )
    for objective_id, at, kind, value, error in rows:
        found[objective_id].append(Attempt(as_utc(at), kind, value, error))
    return found


def measured_points(
    session: Reader, objective_ids: Iterable[int], kinds: Iterable[str] = MEASURED
) -> dict[int, list[tuple[Any, float, str]]]:
    """(time, value, kind) of every successful snapshot of these kinds, oldest first."""
    ids = set(objective_ids)
    points: dict[int, list[tuple[Any, float, str]]] = defaultdict(list)
    if not ids:
        return points
    s = metric_snapshot.c
    rows = execute(
        session,
        select(s.objective_id, s.checkpoint_at, s.value, s.kind)
        .where(s.objective_id.in_(ids), s.kind.in_(tuple(kinds)), s.value.is_not(None))
        .order_by(s.checkpoint_at),
    )
    for objective_id, at, value, kind in rows:
        if value is not None:
            points[objective_id].append((as_utc(at), float(value), kind))
    return points


def evaluated(session: Reader, improvement_ids: Iterable[int]) -> list[Row[Any]]:
    """What evaluating improvements' objectives reads of them (``evaluations_of``)."""
    i = improvement.c
    query = select(i.id, i.status, i.checkpoint_cron, i.started_at)
    return list(execute(session, query.where(i.id.in_(set(improvement_ids)))))


def plan_changes(session: Reader, improvement_ids: Iterable[int]) -> dict[int, list[str]]:
    """The changes each improvement's plan names, by position, of the actions not cancelled."""
    a = plan_action.c
    query = (
        select(a.improvement_id, a.change)
        .where(a.improvement_id.in_(set(improvement_ids)))
        .where(a.change.is_not(None), a.change != "", a.status != "cancelled")
        .order_by(a.improvement_id, a.position)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for improvement_id, change in execute(session, query):
        found[improvement_id].append(change)
    return found


def changes_by_number(session: Reader, numbers: Iterable[str]) -> dict[str, Row[Any]]:
    """The imported changes among ``numbers`` (``store.intake.change_records.by_number``)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    c = change_record.c
    query = select(c.number, c.state, c.outcome, c.close_code).where(c.number.in_(wanted))
    return {row.number: row for row in execute(session, query)}


def trails_of(
    session: Reader, improvement_ids: Iterable[int], action: str
) -> dict[int, list[Row[Any]]]:
    """Each improvement's audit events of one ``action``, in the trail's order."""
    e = audit_event.c
    query = (
        select(e.improvement_id, e.action, e.detail)
        .where(e.improvement_id.in_(set(improvement_ids)), e.action == action)
        .order_by(e.at, e.id)
    )
    found: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in execute(session, query):
        found[row.improvement_id].append(row)
    return found
