"""The strategy's items and versions: read as the domain's ``Item``, written per apply."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ci_workflow.domain.strategy.changes import Item, Kind
from ci_workflow.domain.strategy.serves import StrategyKeys
from ci_workflow.store.strategy.tables import StrategyItem, StrategyVersion
from ci_workflow.store.tables import Person


def held_rows(session: Session) -> dict[str, StrategyItem]:
    """Every item ever applied, retired ones too, by key."""
    return {row.key: row for row in session.exec(select(StrategyItem))}


def held_items(session: Session) -> dict[str, Item]:
    """The strategy in force (retired items left out), in the order it was written."""
    query = (
        select(StrategyItem, Person.name)
        .join(Person, col(Person.id) == StrategyItem.owner_id)
        .where(col(StrategyItem.retired_at).is_(None))
        .order_by(col(StrategyItem.id))
    )
    return {row.key: item_of(row, owner) for row, owner in session.exec(query)}


def item_of(row: StrategyItem, owner: str) -> Item:
    return Item(
        kind=Kind(row.kind),
        key=row.key,
        title=row.title,
        owner=owner,
        parent=row.parent_key,
        position=row.position,
        metric=row.metric,
        unit=row.unit,
        baseline=row.baseline,
        target=row.target,
        direction=row.direction,
        due=row.due,
        budget=row.budget,
        source=row.source,
        window=row.window,
        checkpoint_cron=row.checkpoint_cron,
    )


def strategy_keys(session: Session) -> StrategyKeys:
    """The keys of the objectives and programmes in force."""
    query = select(StrategyItem.key, StrategyItem.kind).where(
        col(StrategyItem.retired_at).is_(None),
        col(StrategyItem.kind).in_([Kind.objective, Kind.programme]),
    )
    found = list(session.exec(query))
    latest = latest_version(session)
    return StrategyKeys(
        frozenset(k for k, kind in found if kind == Kind.objective),
        frozenset(k for k, kind in found if kind == Kind.programme),
        *((latest.currency, tuple(sorted(latest.rates.items()))) if latest else ()),
    )


def latest_version(session: Session) -> StrategyVersion | None:
    number = session.exec(select(func.max(StrategyVersion.version))).one()
    if number is None:
        return None
    return session.exec(select(StrategyVersion).where(StrategyVersion.version == number)).one()


def add_version(
    session: Session, *, version: int, applied_by: str, source: str, document: str
) -> StrategyVersion:
    row = StrategyVersion(
        version=version, applied_by=applied_by, source=source[:400], document=document
    )
    session.add(row)
    session.flush()
    return row


def set_money(session: Session, version: int, currency: str, rates: dict[str, float]) -> None:
    """The organisation's currency and rates, as of ``version``."""
    row = session.exec(select(StrategyVersion).where(StrategyVersion.version == version)).one()
    row.currency, row.rates = currency, dict(rates)
    session.add(row)
    session.flush()


def write_items(
    session: Session,
    items: Iterable[Item],
    *,
    owner_ids: Mapping[str, int],
    version: int,
    at: datetime,
) -> None:
    """Create or update every item in ``items``; retire the held ones it does not name.
    ``owner_ids``: people's ids by name. Unchanged rows keep their version."""
    rows = held_rows(session)
    named: set[str] = set()
    for item in items:
        named.add(item.key)
        row = rows.get(item.key)
        values = _values(item, owner_ids[item.owner])
        if row is None:
            session.add(StrategyItem(**values, version=version))
            continue
        differs = any(getattr(row, name) != value for name, value in values.items())
        if differs or row.retired_at is not None:
            for name, value in values.items():
                setattr(row, name, value)
            row.version, row.retired_at = version, None
            session.add(row)
    for key, row in rows.items():
        if key not in named and row.retired_at is None:
            row.retired_at, row.version = at, version
            session.add(row)
    session.flush()


def _values(item: Item, owner_id: int) -> dict[str, Any]:
    return {
        "key": item.key,
        "kind": str(item.kind),
        "parent_key": item.parent,
        "position": item.position,
        "title": item.title,
        "owner_id": owner_id,
        "metric": item.metric,
        "unit": item.unit,
        "baseline": item.baseline,
        "target": item.target,
        "direction": item.direction,
        "due": item.due,
        "budget": item.budget,
        "source": item.source,
        "window": item.window,
        "checkpoint_cron": item.checkpoint_cron,
    }
