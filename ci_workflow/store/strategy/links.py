"""What improvements serve and which programme they belong to; key results' values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from ci_workflow.domain.ids import format_id
from ci_workflow.store.strategy.tables import ImprovementLink, KeyResultValue

SERVES, PROGRAMME = "serves", "programme"


def users_of(session: Session, kind: str) -> dict[str, list[str]]:
    """By key: the improvements (``IMP-0001``) that serve it (``serves``) or belong to it
    (``programme``)."""
    found: dict[str, list[str]] = defaultdict(list)
    query = select(ImprovementLink).where(ImprovementLink.kind == kind)
    for link in session.exec(query.order_by(col(ImprovementLink.improvement_id))):
        found[link.key].append(format_id(link.improvement_id))
    return dict(found)


def links_of(session: Session, improvement_ids: Iterable[int]) -> dict[int, list[ImprovementLink]]:
    wanted = set(improvement_ids)
    found: dict[int, list[ImprovementLink]] = defaultdict(list)
    if not wanted:
        return {}
    query = (
        select(ImprovementLink)
        .where(col(ImprovementLink.improvement_id).in_(wanted))
        .order_by(col(ImprovementLink.kind), col(ImprovementLink.position))
    )
    for link in session.exec(query):
        found[link.improvement_id].append(link)
    return dict(found)


def all_links(session: Session) -> list[ImprovementLink]:
    return list(session.exec(select(ImprovementLink)))


def replace_links(
    session: Session, improvement_id: int, links: Iterable[tuple[str, str, str]]
) -> None:
    """``links``: (kind, key, contribution), in the order the file gives them."""
    for old in session.exec(
        select(ImprovementLink).where(ImprovementLink.improvement_id == improvement_id)
    ):
        session.delete(old)
    session.flush()
    for position, (kind, key, contribution) in enumerate(links):
        session.add(
            ImprovementLink(
                improvement_id=improvement_id,
                kind=kind,
                key=key,
                position=position,
                contribution=contribution,
            )
        )
    session.flush()


def add_value(
    session: Session, *, item_id: int, value: float, at: datetime, by: str, note: str | None
) -> KeyResultValue:
    row = KeyResultValue(item_id=item_id, value=value, at=at, recorded_by=by, note=note)
    session.add(row)
    session.flush()
    return row


def values_by_item(session: Session) -> dict[int, list[tuple[datetime, float]]]:
    """Every key result's values, (at, value), oldest first."""
    found: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    query = select(KeyResultValue).order_by(col(KeyResultValue.at), col(KeyResultValue.id))
    for row in session.exec(query):
        found[row.item_id].append((row.at, row.value))
    return dict(found)
