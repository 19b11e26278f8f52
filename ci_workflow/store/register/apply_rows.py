"""What ``apply`` reads and writes, set-based (issue 14): every file's improvement, objectives,
team, plan and start in a handful of ``IN`` queries, and the writes as one statement per table,
so the register's write lock is held for a number of statements that does not grow with the
number of files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, func, insert, select, update
from sqlmodel import Session, col, delete

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.strategy.benefits import LineRow
from ci_workflow.domain.strategy.serves import StrategyKeys
from ci_workflow.store.db import in_chunks
from ci_workflow.store.strategy.benefits import lines_of, row_of
from ci_workflow.store.strategy.items import strategy_keys
from ci_workflow.store.strategy.links import links_of
from ci_workflow.store.tables import AuditEvent, Improvement, Objective, PlanAction, TeamMember

IMPROVEMENT: Table = Improvement.__table__  # type: ignore[attr-defined]
CHILDREN: dict[type[Objective] | type[PlanAction], Table] = {
    Objective: Objective.__table__,  # type: ignore[attr-defined]
    PlanAction: PlanAction.__table__,  # type: ignore[attr-defined]
}


@dataclass(frozen=True)
class Current:
    """What the register holds for some keys, as plain rows: two loads compare equal exactly
    when nothing they read changed in between."""

    improvements: dict[str, Row[Any]]  # by key
    objectives: dict[int, list[Row[Any]]]  # by improvement id, by position, retired ones too
    team: dict[int, frozenset[int]]  # person ids, by improvement id
    plan: dict[int, list[Row[Any]]]  # by improvement id, by position
    first_executing: dict[int, datetime]  # when its trail first moved it to executing
    # What each serves and its programme, (kind, key, contribution) in order; the strategy's keys.
    links: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    strategy: StrategyKeys = field(default_factory=lambda: StrategyKeys(frozenset(), frozenset()))
    benefits: dict[int, list[LineRow]] = field(default_factory=dict)  # by improvement id


def load_current(session: Session, keys: Iterable[str], *, lock: bool = False) -> Current:
    """``lock``: inside a write transaction, lock the improvements' rows until it ends
    (PostgreSQL; SQLite's write lock already covers the whole register)."""
    improvements: dict[str, Row[Any]] = {}
    for chunk in in_chunks(sorted(set(keys))):
        query = select(*IMPROVEMENT.columns).where(col(Improvement.key).in_(chunk))
        rows = session.execute(query.with_for_update() if lock else query)
        improvements.update((row.key, row) for row in rows)
    ids = sorted(row.id for row in improvements.values())
    team: dict[int, set[int]] = defaultdict(set)
    first: dict[int, datetime] = {}
    for chunk in in_chunks(ids):
        members = select(col(TeamMember.improvement_id), col(TeamMember.person_id))
        for improvement_id, person_id in session.execute(
            members.where(col(TeamMember.improvement_id).in_(chunk))
        ):
            team[improvement_id].add(person_id)
        moves = (
            select(col(AuditEvent.improvement_id), func.min(AuditEvent.at))
            .where(col(AuditEvent.improvement_id).in_(chunk))
            .where(col(AuditEvent.action) == "status_changed")
            .where(col(AuditEvent.to_status) == "executing")
            .group_by(col(AuditEvent.improvement_id))
        )
        first.update((i, as_utc(at)) for i, at in session.execute(moves) if i is not None)
    return Current(
        improvements=improvements,
        objectives=_by_improvement(session, Objective, ids),
        team={i: frozenset(members) for i, members in team.items()},
        plan=_by_improvement(session, PlanAction, ids),
        first_executing=first,
        links={
            i: [(link.kind, link.key, link.contribution) for link in found]
            for i, found in links_of(session, ids).items()
        },
        strategy=strategy_keys(session),
        benefits={i: [row_of(b) for b in found] for i, found in lines_of(session, ids).items()},
    )


def _by_improvement(
    session: Session, model: type[Objective] | type[PlanAction], ids: list[int]
) -> dict[int, list[Row[Any]]]:
    found: dict[int, list[Row[Any]]] = defaultdict(list)
    for chunk in in_chunks(ids):
        query = (
            select(*CHILDREN[model].columns)
            .where(col(model.improvement_id).in_(chunk))
            .order_by(col(model.improvement_id), col(model.position))
        )
        for row in session.execute(query):
            found[row.improvement_id].append(row)
    return dict(found)


def insert_improvements(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """New improvements, in one statement; their ids by key."""
    if not rows:
        return {}
    session.execute(insert(Improvement), rows)
    ids: dict[str, int] = {}
    for chunk in in_chunks([row["key"] for row in rows]):
        query = select(col(Improvement.key), col(Improvement.id)).where(
            col(Improvement.key).in_(chunk)
        )
        ids.update((key, id_) for key, id_ in session.execute(query) if id_ is not None)
    return ids


def update_by_id(
    session: Session, model: type[Improvement] | type[Objective], rows: list[dict[str, Any]]
) -> None:
    """Rows changed by primary key (each dict holds ``id``), in one executemany."""
    if rows:
        session.execute(update(model), rows)


def insert_rows(
    session: Session,
    model: type[Objective] | type[PlanAction] | type[TeamMember] | type[AuditEvent],
    rows: list[dict[str, Any]],
) -> None:
    if rows:
        session.execute(insert(model), rows)


def delete_children(
    session: Session, model: type[PlanAction] | type[TeamMember], improvement_ids: list[int]
) -> None:
    """The plan actions or team members of these improvements, to be written anew."""
    for chunk in in_chunks(improvement_ids):
        session.execute(delete(model).where(col(model.improvement_id).in_(chunk)))


def retire_objectives(session: Session, objective_ids: list[int], at: datetime) -> None:
    for chunk in in_chunks(objective_ids):
        statement = update(Objective).where(col(Objective.id).in_(chunk)).values(retired_at=at)
        session.execute(statement)
