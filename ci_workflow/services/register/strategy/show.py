"""``improve strategy show``: the strategy in force as a tree, each key result with its
latest value and how far it came, each objective with the improvements serving it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlmodel import Session

from ci_workflow.domain.measures.progress import assess
from ci_workflow.domain.strategy.changes import Item, Kind
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.schemas_strategy import (
    GoalOut,
    KeyResultOut,
    ObjectiveOut,
    ProgrammeOut,
    QuarterCapacity,
    StrategyOut,
)
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy import items as store
from ci_workflow.store.strategy.benefits import organisation_money
from ci_workflow.store.strategy.capacity import held_capacity
from ci_workflow.store.strategy.captures import latest_errors
from ci_workflow.store.strategy.links import users_of, values_by_item


def show_strategy() -> StrategyOut:
    with transaction(write=False) as session:
        return strategy_of(session)


def strategy_of(session: Session) -> StrategyOut:
    """The strategy in force, read in a handful of queries."""
    latest = store.latest_version(session)
    if latest is None:
        return StrategyOut()
    held = store.held_items(session)
    ids = {key: row.id or 0 for key, row in store.held_rows(session).items()}
    values = values_by_item(session)
    served, members = users_of(session, SERVES), users_of(session, PROGRAMME)
    goals = {
        i.key: GoalOut(key=i.key, title=i.title, owner=i.owner)
        for i in held.values()
        if i.kind == Kind.goal
    }
    objectives: dict[str, ObjectiveOut] = {}
    for item in _ordered(held, Kind.objective):
        objective = ObjectiveOut(
            key=item.key,
            title=item.title,
            owner=item.owner,
            goal=item.parent or "",
            served_by=served.get(item.key, []),
        )
        objectives[item.key] = objective
        goals[item.parent or ""].objectives.append(objective)
    failures = latest_errors(session)
    for item in _ordered(held, Kind.key_result):
        objectives[item.parent or ""].key_results.append(
            key_result_of(item, values.get(ids[item.key], []), failures.get(ids[item.key]))
        )
    programmes = [
        ProgrammeOut(
            key=i.key,
            title=i.title,
            owner=i.owner,
            budget=i.budget or 0.0,
            improvements=members.get(i.key, []),
        )
        for i in _ordered(held, Kind.programme)
    ]
    return StrategyOut(
        version=latest.version,
        applied_at=latest.applied_at,
        applied_by=latest.applied_by,
        goals=[goals[i.key] for i in _ordered(held, Kind.goal)],
        programmes=programmes,
        capacity=[
            QuarterCapacity(quarter=quarter, hours=hours, budget=budget)
            for quarter, (hours, budget) in held_capacity(session).items()
        ],
        currency=organisation_money(session)[0],
    )


def _ordered(held: dict[str, Item], kind: Kind) -> list[Item]:
    return sorted((i for i in held.values() if i.kind == kind), key=lambda i: i.position)


def key_result_of(
    item: Item, points: list[tuple[datetime, float]], failure: tuple[datetime, str] | None = None
) -> KeyResultOut:
    assert item.target is not None and item.due is not None and item.baseline is not None
    progress = assess(
        baseline=item.baseline,
        target=item.target,
        direction=item.direction or "",
        due=datetime.combine(item.due, time.max, tzinfo=UTC),
        points=points,
    )
    return KeyResultOut(
        key=item.key,
        title=item.title,
        owner=item.owner,
        metric=item.metric or "",
        unit=item.unit or "",
        baseline=item.baseline,
        target=item.target,
        direction=item.direction or "",
        due=item.due,
        latest=progress.latest,
        latest_at=progress.latest_at,
        achieved_pct=progress.achieved_pct,
        track=progress.track,
        source=str((item.source or {}).get("kind", "")) if item.window else "",
        failed_at=failure[0] if failure else None,
        failure=failure[1] if failure else None,
    )
