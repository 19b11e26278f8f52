"""``improve strategy apply FILE``: the strategy's goals, objectives, key results and
programmes created, updated or retired from one YAML file, all or nothing.

Only a CI manager applies it (or the register's administrator, the CLI on its own machine
without ``--as``). Every apply that changes something adds a version, keeps the file as
applied and audits what changed and who applied it; one that changes nothing adds none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.domain.strategy.capacity import CapacityChange, capacity_changes
from ci_workflow.domain.strategy.changes import (
    Item,
    ItemChange,
    Kind,
    changes,
    flatten,
    has_changes,
    removal_problems,
)
from ci_workflow.domain.strategy.masks import unmasked
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.domain.strategy.spec import StrategySpec
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import UsageError, ValidationFailed
from ci_workflow.schemas_strategy import ItemChangeOut, StrategyApplied
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.services.register._apply_files import read_file
from ci_workflow.services.register.strategy.benefits import money_changes
from ci_workflow.services.register.strategy.sources import placed_sources
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.strategy import items as store
from ci_workflow.store.strategy.capacity import held_capacity, write_capacity
from ci_workflow.store.strategy.links import users_of

REFUSED = "only a CI manager applies the strategy"


def apply_strategy_file(path: Path, *, actor: Actor) -> StrategyApplied:
    return apply_strategy(str(path), read_file(path), actor=actor)


def apply_strategy(
    name: str, text: str, *, actor: Actor, preview: bool = False, based_on: int | None = None
) -> StrategyApplied:
    """Validate the whole file, then write it in one transaction; any problem: nothing.
    ``preview``: what it would change, nothing written. ``based_on``: the version an editor
    started from; refused if another was applied since (0: none was)."""
    with refusing(actor), transaction(write=not preview) as session:
        # Who first: someone who may not apply is refused whatever the file holds.
        if actor.person is not None and not allowed(Action.manage_strategy, actor.person):
            raise Refused(REFUSED)
        data = load_mapping(text, source=name)
        directory, held = load_directory(session), store.held_items(session)
        spec = _validated(name, data, directory, held)
        items = placed_sources(name, spec, flatten(spec))
        found = changes(items, held)
        _check_in_use(session, name, found)
        quarters = capacity_changes(spec.capacity, held_capacity(session))
        latest = store.latest_version(session)
        held_version = latest.version if latest else 0
        if based_on is not None and based_on != held_version:
            raise UsageError(
                f"the strategy changed since you opened it (version {held_version} now, you "
                f"started from {based_on}): open it again and redo your change"
            )
        money = money_changes(latest, spec)
        if preview or not (has_changes(found) or _capacity_changed(quarters) or money):
            return _applied(None, found, quarters)
        version = held_version + 1
        store.add_version(
            session, version=version, applied_by=actor.name, source=name, document=text
        )
        store.set_money(session, version, spec.currency, spec.rates)
        owners = {person.name: person.id for person in directory.people}
        store.write_items(session, items, owner_ids=owners, version=version, at=utcnow())
        write_capacity(session, spec.capacity, version=version, at=utcnow())
        record_act(
            session,
            actor,
            improvement_id=None,
            action="strategy_applied",
            detail=f"version {version} from {name}: "
            + "; ".join(part for part in [*money, _summary(found, quarters)] if part),
        )
        return _applied(version, found, quarters)


def _validated(
    name: str, data: dict[str, Any], directory: Directory, held: dict[str, Item]
) -> StrategySpec:
    sources = {key: item.source for key, item in held.items() if item.source}
    data, masks = unmasked(data, sources)  # secrets shown masked, kept as held
    try:
        spec = StrategySpec.model_validate(data, context={"people": directory})
    except ValidationError as error:
        raise ValidationFailed(
            name, [f"{name}: {line}" for line in [*describe_errors(error), *masks]]
        ) from None
    if masks:
        raise ValidationFailed(name, [f"{name}: {line}" for line in masks])
    return spec


def _check_in_use(session: Session, name: str, found: list[ItemChange]) -> None:
    # A closed, rejected or withdrawn improvement can no longer change its file: what it
    # served stays in its history and does not hold the strategy back.
    problems = removal_problems(
        found, users_of(session, SERVES, leaving_out=TERMINAL), Kind.objective
    )
    problems += removal_problems(
        found, users_of(session, PROGRAMME, leaving_out=TERMINAL), Kind.programme
    )
    if problems:
        raise ValidationFailed(name, [f"{name}: {problem}" for problem in problems])


def _summary(found: list[ItemChange], quarters: list[CapacityChange]) -> str:
    parts = [
        f"{c.outcome} {c.kind} {c.key}" + (f" ({', '.join(c.changed)})" if c.changed else "")
        for c in found
        if c.outcome != "unchanged"
    ]
    parts += [
        f"{c.outcome} capacity {c.quarter}" + (f" ({', '.join(c.changed)})" if c.changed else "")
        for c in quarters
        if c.outcome != "unchanged"
    ]
    return "; ".join(parts)


def _capacity_changed(quarters: list[CapacityChange]) -> bool:
    return any(c.outcome != "unchanged" for c in quarters)


def _applied(
    version: int | None, found: list[ItemChange], quarters: list[CapacityChange]
) -> StrategyApplied:
    changes = [
        ItemChangeOut(kind=c.kind, key=c.key, outcome=c.outcome, changed=list(c.changed))
        for c in found
    ]
    changes += [
        ItemChangeOut(kind="capacity", key=c.quarter, outcome=c.outcome, changed=list(c.changed))
        for c in quarters
    ]
    return StrategyApplied(version=version, changes=changes)
