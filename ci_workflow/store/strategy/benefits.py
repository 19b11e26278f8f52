"""Benefit lines and their actuals: written at apply, read for an improvement's page and the
portfolio, and the measurements a measured line reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.strategy.benefit_figures import VALIDATED, convert
from ci_workflow.domain.strategy.benefits import LineRow
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.store.db import in_chunks
from ci_workflow.store.strategy.benefit_tables import BenefitActual, BenefitLine
from ci_workflow.store.strategy.items import strategy_keys
from ci_workflow.store.tables import MetricSnapshot, Objective

# A measured line reads what the improvement measured while and after it ran.
MEASURED = (SnapshotKind.checkpoint, SnapshotKind.final, SnapshotKind.sustain)


def row_of(line: BenefitLine) -> LineRow:
    return (
        line.key,
        line.kind,
        line.recurring,
        line.currency,
        line.description,
        tuple(sorted((q, float(a)) for q, a in line.forecast.items())),
        line.measured_metric,
        line.measured_rate,
    )


def lines_of(
    session: Session, improvement_ids: Iterable[int] | None = None
) -> dict[int, list[BenefitLine]]:
    """By improvement, its lines in the file's order (every improvement's when ``None``)."""
    found: dict[int, list[BenefitLine]] = defaultdict(list)
    query = select(BenefitLine).order_by(col(BenefitLine.improvement_id), col(BenefitLine.position))
    if improvement_ids is None:
        for line in session.exec(query):
            found[line.improvement_id].append(line)
        return dict(found)
    for chunk in in_chunks(sorted(set(improvement_ids))):
        for line in session.exec(query.where(col(BenefitLine.improvement_id).in_(chunk))):
            found[line.improvement_id].append(line)
    return dict(found)


def replace_lines(
    session: Session, cleared: Iterable[int], lines: Iterable[tuple[int, LineRow]]
) -> None:
    """Drop the lines of the ``cleared`` improvements, then write ``lines`` (improvement id,
    line), positions counted per improvement in the order given. Actuals stay: they are kept
    by the line's key."""
    for chunk in in_chunks(sorted(set(cleared))):
        session.execute(delete(BenefitLine).where(col(BenefitLine.improvement_id).in_(chunk)))
    positions: dict[int, int] = defaultdict(int)
    rows: list[dict[str, Any]] = []
    for improvement_id, (key, kind, recurring, currency, said, forecast, metric, rate) in lines:
        rows.append(
            {
                "improvement_id": improvement_id,
                "key": key,
                "position": positions[improvement_id],
                "kind": kind,
                "recurring": recurring,
                "currency": currency,
                "description": said,
                "forecast": dict(forecast),
                "measured_metric": metric,
                "measured_rate": rate,
            }
        )
        positions[improvement_id] += 1
    if rows:
        session.execute(insert(BenefitLine), rows)


def actuals_of(
    session: Session, improvement_ids: Iterable[int] | None = None
) -> dict[int, list[BenefitActual]]:
    found: dict[int, list[BenefitActual]] = defaultdict(list)
    query = select(BenefitActual).order_by(col(BenefitActual.quarter), col(BenefitActual.id))
    if improvement_ids is not None:
        wanted = sorted(set(improvement_ids))
        if not wanted:
            return {}
        query = query.where(col(BenefitActual.improvement_id).in_(wanted))
    for actual in session.exec(query):
        found[actual.improvement_id].append(actual)
    return dict(found)


def actual(session: Session, improvement_id: int, line: str, quarter: str) -> BenefitActual | None:
    query = select(BenefitActual).where(
        BenefitActual.improvement_id == improvement_id,
        BenefitActual.line_key == line,
        BenefitActual.quarter == quarter,
    )
    return session.exec(query).first()


def save_actual(session: Session, row: BenefitActual) -> BenefitActual:
    session.add(row)
    session.flush()
    return row


Measured = tuple[float | None, str, list[tuple[datetime, float]]]


def measured_inputs(
    session: Session, improvement_ids: Iterable[int]
) -> dict[tuple[int, str], Measured]:
    """By (improvement, metric): the objective's baseline, direction and every value it
    measured (at, value), for the objectives in force."""
    ids = sorted(set(improvement_ids))
    found: dict[tuple[int, str], Measured] = {}
    by_objective: dict[int, tuple[int, str]] = {}
    for chunk in in_chunks(ids):
        query = select(Objective).where(
            col(Objective.improvement_id).in_(chunk), col(Objective.retired_at).is_(None)
        )
        for o in session.exec(query):
            found[(o.improvement_id, o.metric)] = (o.baseline, o.direction, [])
            by_objective[o.id or 0] = (o.improvement_id, o.metric)
    for chunk in in_chunks(sorted(by_objective)):
        snaps = select(MetricSnapshot).where(
            col(MetricSnapshot.objective_id).in_(chunk),
            col(MetricSnapshot.kind).in_([str(k) for k in MEASURED]),
            col(MetricSnapshot.value).is_not(None),
        )
        for snap in session.exec(snaps):
            found[by_objective[snap.objective_id]][2].append(
                (as_utc(snap.checkpoint_at), snap.value or 0.0)
            )
    return found


def organisation_money(session: Session) -> tuple[str, dict[str, float]]:
    """The organisation's currency and its rates, as the strategy in force gives them."""
    keys = strategy_keys(session)
    return keys.currency, dict(keys.rates)


def validated_gains(session: Session) -> dict[int, float]:
    """By improvement that has benefit lines: the sum of its validated actuals in the
    organisation's currency (a line whose currency has no rate any more is left out)."""
    currency, rates = organisation_money(session)
    lines = lines_of(session)
    currencies = {
        (i, line.key): line.currency or currency for i, found in lines.items() for line in found
    }
    gains = dict.fromkeys(lines, 0.0)
    query = select(BenefitActual).where(BenefitActual.state == VALIDATED)
    for row in session.exec(query):
        held = currencies.get((row.improvement_id, row.line_key))
        if held is not None and (held == currency or held in rates):
            gains[row.improvement_id] += convert(row.amount, held, currency, rates)
    return gains
