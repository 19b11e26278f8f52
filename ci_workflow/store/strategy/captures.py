"""Key results' captured values: the checkpoints already measured, each reading written once
(a success replacing an earlier failure), and each key result's latest failure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ci_workflow.domain.clock import utcnow
from ci_workflow.store.strategy.tables import KeyResultValue, StrategyItem

CAPTURE = "capture"  # who a captured value was recorded by


def measured_items(session: Session) -> list[StrategyItem]:
    """The key results in force with a source a capture reads, in the order they were written."""
    query = (
        select(StrategyItem)
        .where(col(StrategyItem.retired_at).is_(None), col(StrategyItem.window).is_not(None))
        .order_by(col(StrategyItem.id))
    )
    return list(session.exec(query))


def captured_at(
    session: Session, item_ids: Iterable[int], moments: Iterable[datetime]
) -> dict[tuple[int, datetime], KeyResultValue]:
    """The captured values (failed ones too) of these key results at these checkpoints."""
    ids, times = set(item_ids), set(moments)
    if not ids or not times:
        return {}
    query = select(KeyResultValue).where(
        col(KeyResultValue.item_id).in_(ids), col(KeyResultValue.checkpoint_at).in_(times)
    )
    return {
        (row.item_id, row.checkpoint_at): row for row in session.exec(query) if row.checkpoint_at
    }


def write_reading(
    session: Session,
    held: KeyResultValue | None,
    *,
    item_id: int,
    at: datetime,
    value: float | None,
    error: str | None,
) -> bool:
    """Store one reading at checkpoint ``at``; False (nothing written) if a value is already
    there, or the reading failed again."""
    if held is not None and (held.value is not None or value is None):
        return False
    row = held or KeyResultValue(item_id=item_id, at=at, checkpoint_at=at, recorded_by=CAPTURE)
    row.value, row.error, row.recorded_at = value, error, utcnow()
    try:
        with session.begin_nested():  # another capture of the same checkpoint meanwhile: its
            session.add(row)  # reading stands, this one is not stored
    except IntegrityError:
        return False
    return True


def latest_errors(session: Session) -> dict[int, tuple[datetime, str]]:
    """By key result: its latest capture's failure (checkpoint and why), if its latest capture
    failed."""
    query = select(KeyResultValue).where(col(KeyResultValue.checkpoint_at).is_not(None))
    latest: dict[int, KeyResultValue] = {}
    for row in session.exec(query.order_by(col(KeyResultValue.at), col(KeyResultValue.id))):
        latest[row.item_id] = row
    return {i: (row.at, row.error) for i, row in latest.items() if row.error and row.value is None}
