"""``improve strategy apply FILE``: the strategy's goals, objectives, key results and
programmes created, updated or retired from one YAML file, all or nothing.

Only a CI manager applies it (or the register's administrator, the CLI on its own machine
without ``--as``). Every apply that changes something adds a version, keeps the file as
applied and audits what changed and who applied it; one that changes nothing adds none.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.domain.strategy.changes import (
    ItemChange,
    Kind,
    changes,
    flatten,
    has_changes,
    removal_problems,
)
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.domain.strategy.spec import StrategySpec
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.schemas_strategy import ItemChangeOut, StrategyApplied
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.services.register._apply_files import read_file
from ci_workflow.services.register.strategy.benefits import money_changes
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.strategy import items as store
from ci_workflow.store.strategy.links import users_of

REFUSED = "only a CI manager applies the strategy"


def apply_strategy_file(path: Path, *, actor: Actor) -> StrategyApplied:
    return apply_strategy(str(path), read_file(path), actor=actor)


def apply_strategy(name: str, text: str, *, actor: Actor) -> StrategyApplied:
    """Validate the whole file, then write it in one transaction; any problem: nothing."""
    data = load_mapping(text, source=name)
    with refusing(actor), transaction() as session:
        if actor.person is not None and not allowed(Action.manage_strategy, actor.person):
            raise Refused(REFUSED)
        directory = load_directory(session)
        spec = _validated(name, data, directory)
        items = flatten(spec)
        found = changes(items, store.held_items(session))
        _check_in_use(session, name, found)
        latest = store.latest_version(session)
        money = money_changes(latest, spec)
        if not has_changes(found) and not money:
            return _applied(None, found)
        version = (latest.version if latest else 0) + 1
        store.add_version(
            session, version=version, applied_by=actor.name, source=name, document=text
        )
        store.set_money(session, version, spec.currency, spec.rates)
        owners = {person.name: person.id for person in directory.people}
        store.write_items(session, items, owner_ids=owners, version=version, at=utcnow())
        record_act(
            session,
            actor,
            improvement_id=None,
            action="strategy_applied",
            detail=f"version {version} from {name}: "
            + "; ".join(part for part in [*money, _summary(found)] if part),
        )
        return _applied(version, found)


def _validated(name: str, data: dict[str, object], directory: Directory) -> StrategySpec:
    try:
        return StrategySpec.model_validate(data, context={"people": directory})
    except ValidationError as error:
        raise ValidationFailed(
            name, [f"{name}: {line}" for line in describe_errors(error)]
        ) from None


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


def _summary(found: list[ItemChange]) -> str:
    parts = [
        f"{c.outcome} {c.kind} {c.key}" + (f" ({', '.join(c.changed)})" if c.changed else "")
        for c in found
        if c.outcome != "unchanged"
    ]
    return "; ".join(parts)


def _applied(version: int | None, found: list[ItemChange]) -> StrategyApplied:
    return StrategyApplied(
        version=version,
        changes=[
            ItemChangeOut(kind=c.kind, key=c.key, outcome=c.outcome, changed=list(c.changed))
            for c in found
        ],
    )
