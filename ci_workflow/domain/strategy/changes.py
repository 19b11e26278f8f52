"""What applying a strategy changes: each item created, updated (which fields) or unchanged,
and the items the file no longer names (retired, never deleted: key results keep their
measured values). An objective that improvements serve cannot be retired while they do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from ci_workflow.domain.improvement.sources import is_fetched
from ci_workflow.domain.strategy.spec import (
    GoalSpec,
    KeyResultSpec,
    ProgrammeSpec,
    StrategicObjectiveSpec,
    StrategySpec,
)


class Kind(StrEnum):
    goal = "goal"
    objective = "objective"
    key_result = "key_result"
    programme = "programme"


@dataclass(frozen=True)
class Item:
    """One item of the strategy as the register keeps it: flat, with its parent's key."""

    kind: Kind
    key: str
    title: str
    owner: str
    parent: str | None = None
    position: int = 0
    metric: str | None = None
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    direction: str | None = None
    due: date | None = None
    budget: float | None = None
    # A key result measured by a capture: its source (as stored), window and cadence.
    source: dict[str, Any] | None = None
    window: str | None = None
    checkpoint_cron: str | None = None


@dataclass(frozen=True)
class ItemChange:
    kind: Kind
    key: str
    outcome: str  # "created", "updated", "unchanged" or "removed"
    changed: tuple[str, ...] = ()


def flatten(spec: StrategySpec) -> list[Item]:
    """Every item of ``spec``, parents before their children, positions counted per parent."""
    items: list[Item] = []
    for g, goal in enumerate(spec.goals):
        items.append(_item(Kind.goal, goal, None, g))
        for o, objective in enumerate(goal.objectives):
            items.append(_item(Kind.objective, objective, goal.key, o))
            for k, result in enumerate(objective.key_results):
                items.append(_item(Kind.key_result, result, objective.key, k))
    items.extend(_item(Kind.programme, p, None, n) for n, p in enumerate(spec.programmes))
    return items


def _item(
    kind: Kind,
    spec: GoalSpec | StrategicObjectiveSpec | KeyResultSpec | ProgrammeSpec,
    parent: str | None,
    position: int,
) -> Item:
    base = Item(kind, spec.key, spec.title, spec.owner, parent, position)
    if isinstance(spec, KeyResultSpec):
        return replace(
            base,
            metric=spec.metric,
            unit=spec.unit,
            baseline=spec.baseline,
            target=spec.target,
            direction=str(spec.direction),
            due=spec.due,
            **_measured(spec),
        )
    if isinstance(spec, ProgrammeSpec):
        return replace(base, budget=spec.budget)
    return base


def _measured(spec: KeyResultSpec) -> dict[str, Any]:
    """A key result's source, window and cadence; a window and cadence only if it is fetched."""
    if spec.source is None:
        return {}
    source = spec.source.model_dump(mode="json")
    if not is_fetched(source):
        return {"source": source}
    return {"source": source, "window": spec.window, "checkpoint_cron": spec.checkpoints.cron}


def changes(new: Iterable[Item], held: Mapping[str, Item]) -> list[ItemChange]:
    """Each new item against the one held under its key, then the held ones it drops."""
    outcome: list[ItemChange] = []
    named: set[str] = set()
    for item in new:
        named.add(item.key)
        before = held.get(item.key)
        if before is None:
            outcome.append(ItemChange(item.kind, item.key, "created"))
            continue
        changed = differing(before, item)
        state = "updated" if changed else "unchanged"
        outcome.append(ItemChange(item.kind, item.key, state, changed))
    outcome.extend(
        ItemChange(item.kind, key, "removed") for key, item in held.items() if key not in named
    )
    return outcome


def differing(before: Item, after: Item) -> tuple[str, ...]:
    """The fields whose values differ, in the order they are declared."""
    return tuple(f.name for f in fields(Item) if getattr(before, f.name) != getattr(after, f.name))


def removal_problems(
    found: Iterable[ItemChange], used: Mapping[str, Iterable[str]], kind: Kind
) -> list[str]:
    """``used``: by key, the improvements (ids) that serve that objective (``kind`` objective)
    or belong to that programme (``kind`` programme). Removing one of those keys, or making it
    something other than ``kind``, is refused."""
    verb = "served by" if kind == Kind.objective else "the programme of"
    problems = []
    for change in found:
        users = sorted(used.get(change.key, ()))
        if users and (change.outcome == "removed" or change.kind != kind):
            problems.append(f"{change.key}: {verb} {', '.join(users)}; change their files first")
    return problems


def has_changes(found: Iterable[ItemChange]) -> bool:
    return any(change.outcome != "unchanged" for change in found)
