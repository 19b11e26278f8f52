"""What improvements serve and which programme they belong to; key results' values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.strategy.serves import Link
from ci_workflow.store.db import in_chunks
from ci_workflow.store.strategy.tables import ImprovementLink, KeyResultValue
from ci_workflow.store.tables.improvements import Improvement


def users_of(
    session: Session, kind: str, *, leaving_out: Iterable[str] = ()
) -> dict[str, list[str]]:
    """By key: the improvements (``IMP-0001``) that serve it (``serves``) or belong to it
    (``programme``), those whose status is in ``leaving_out`` left out."""
    found: dict[str, list[str]] = defaultdict(list)
    query = (
        select(ImprovementLink)
        .join(Improvement, col(Improvement.id) == ImprovementLink.improvement_id)
        .where(ImprovementLink.kind == kind)
        .where(col(Improvement.status).not_in(list(leaving_out)))
    )
    for link in session.exec(query.order_by(col(ImprovementLink.improvement_id))):
        found[link.key].append(format_id(link.improvement_id))
    return dict(found)


def links_of(session: Session, improvement_ids: Iterable[int]) -> dict[int, list[ImprovementLink]]:
    wanted = set(improvement_ids)
    found: dict[int, list[ImprovementLink]] = defaultdict(list)
    if not wanted:
        return {}
    for chunk in in_chunks(sorted(wanted)):
        query = (
            select(ImprovementLink)
            .where(col(ImprovementLink.improvement_id).in_(chunk))
            .order_by(col(ImprovementLink.kind), col(ImprovementLink.position))
        )
        for link in session.exec(query):
            found[link.improvement_id].append(link)
    return dict(found)


def all_links(session: Session) -> list[ImprovementLink]:
    return list(session.exec(select(ImprovementLink)))


def replace_links(
    session: Session, cleared: Iterable[int], links: Iterable[tuple[int, Link]]
) -> None:
    """Drop the links of the ``cleared`` improvements, then write ``links`` (improvement id,
    (kind, key, contribution)), positions counted per improvement in the order given: a
    statement per chunk of ids and one for all the rows, however many files an apply holds."""
    for chunk in in_chunks(sorted(set(cleared))):
        statement = delete(ImprovementLink).where(col(ImprovementLink.improvement_id).in_(chunk))
        session.execute(statement)
    positions: dict[int, int] = defaultdict(int)
    rows = []
    for improvement_id, (kind, key, contribution) in links:
        rows.append(
            {
                "improvement_id": improvement_id,
                "kind": kind,
                "key": key,
                "position": positions[improvement_id],
                "contribution": contribution,
            }
        )
        positions[improvement_id] += 1
    if rows:
        session.execute(insert(ImprovementLink), rows)


def add_value(
    session: Session, *, item_id: int, value: float, at: datetime, by: str, note: str | None
) -> KeyResultValue:
    row = KeyResultValue(item_id=item_id, value=value, at=at, recorded_by=by, note=note)
    session.add(row)
    session.flush()
    return row


def values_by_item(session: Session) -> dict[int, list[tuple[datetime, float]]]:
    """Every key result's values, (at, value), oldest first (failed captures left out)."""
    found: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    query = select(KeyResultValue).where(col(KeyResultValue.value).is_not(None))
    for row in session.exec(query.order_by(col(KeyResultValue.at), col(KeyResultValue.id))):
        found[row.item_id].append((row.at, row.value or 0.0))
    return dict(found)


def portfolio_rows(session: Session) -> list[tuple[int, str, str, float | None]]:
    """Every improvement's id, title, status and estimated cost, in id order."""
    query = select(
        Improvement.id, Improvement.title, Improvement.status, Improvement.estimated_cost
    ).order_by(col(Improvement.id))
    return [(i or 0, title, status, cost) for i, title, status, cost in session.exec(query)]
