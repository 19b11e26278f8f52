"""Reading and writing metric snapshots: baselines, checkpoints and final captures.

Measured history is only ever added to or corrected (a success replacing a failure), never
deleted here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.measures.surveys import Survey
from ci_workflow.domain.vocabulary import SnapshotKind

# Read through Core clauses, for ``improve gates`` (``gate_reads``); given here with the rest.
from ci_workflow.store.gate_reads import MEASURED as MEASURED
from ci_workflow.store.gate_reads import attempts_for as attempts_for
from ci_workflow.store.gate_reads import measured_points as measured_points
from ci_workflow.store.tables import Improvement, MetricSnapshot, Objective, SurveyResult


def latest_values(session: Session, improvement_id: int) -> dict[str, tuple[float, datetime]]:
    """Each objective's most recent successful measurement, by metric."""
    query = (
        select(Objective.metric, MetricSnapshot.value, MetricSnapshot.checkpoint_at)
        .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
        .where(Objective.improvement_id == improvement_id, col(MetricSnapshot.value).is_not(None))
        .order_by(col(MetricSnapshot.checkpoint_at).desc())
    )
    latest: dict[str, tuple[float, datetime]] = {}
    for metric, value, at in session.exec(query):
        if metric not in latest and value is not None:
            latest[metric] = (value, at)
    return latest


def latest_baseline(session: Session, objective_id: int) -> float | None:
    """The newest successful baseline capture of an objective."""
    query = (
        select(MetricSnapshot.value)
        .where(
            MetricSnapshot.objective_id == objective_id,
            MetricSnapshot.kind == SnapshotKind.baseline,
            col(MetricSnapshot.value).is_not(None),
        )
        .order_by(col(MetricSnapshot.checkpoint_at).desc())
    )
    return session.exec(query).first()


def measured_checkpoints(
    session: Session, objective_ids: Iterable[int], *kinds: str
) -> set[tuple[int, datetime]]:
    """(objective, checkpoint time) of every snapshot of these kinds that holds a value."""
    ids = set(objective_ids)
    if not ids:
        return set()
    rows = session.exec(
        select(MetricSnapshot.objective_id, MetricSnapshot.checkpoint_at).where(
            col(MetricSnapshot.objective_id).in_(ids),
            col(MetricSnapshot.kind).in_(kinds),
            col(MetricSnapshot.value).is_not(None),
        )
    )
    return {(objective_id, as_utc(at)) for objective_id, at in rows}


def snapshots_at(
    session: Session, objective_ids: Iterable[int], moments: Iterable[datetime], kind: str
) -> dict[tuple[int, datetime], MetricSnapshot]:
    """Stored snapshots of ``kind`` at these checkpoint times, by (objective, time)."""
    query = select(MetricSnapshot).where(
        col(MetricSnapshot.objective_id).in_(set(objective_ids)),
        col(MetricSnapshot.checkpoint_at).in_(set(moments)),
        MetricSnapshot.kind == kind,
    )
    return {(s.objective_id, as_utc(s.checkpoint_at)): s for s in session.exec(query)}


def failed_baselines(session: Session, objective_ids: Iterable[int]) -> dict[int, MetricSnapshot]:
    """Baseline captures that failed, by objective: a retry of the define stage replaces them
    rather than leaving a stale failure beside its success."""
    query = select(MetricSnapshot).where(
        col(MetricSnapshot.objective_id).in_(set(objective_ids)),
        MetricSnapshot.kind == SnapshotKind.baseline,
        col(MetricSnapshot.value).is_(None),
    )
    return {s.objective_id: s for s in session.exec(query)}


def insert_snapshots(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many new snapshots in one statement (Core, not ORM objects: a pass writes thousands)."""
    if rows:
        session.execute(insert(MetricSnapshot), rows)


def find_snapshot(
    session: Session, objective_id: int, kind: str, checkpoint_at: datetime
) -> MetricSnapshot | None:
    query = select(MetricSnapshot).where(
        MetricSnapshot.objective_id == objective_id,
        MetricSnapshot.kind == kind,
        MetricSnapshot.checkpoint_at == checkpoint_at,
    )
    return session.exec(query).first()


def snapshots_of(session: Session, improvement_id: int) -> list[tuple[str, MetricSnapshot]]:
    """Every snapshot of an improvement with its metric, by checkpoint time."""
    query = (
        select(Objective.metric, MetricSnapshot)
        .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
        .where(Objective.improvement_id == improvement_id)
        .order_by(
            col(MetricSnapshot.checkpoint_at), col(Objective.position), col(MetricSnapshot.kind)
        )
    )
    return [(metric, snapshot) for metric, snapshot in session.exec(query)]


def fingerprint_rows(session: Session, objective_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """Per objective: how many snapshots, the newest id and capture time, the sum of the values.
    They change whenever a snapshot is added or replaced: what a drawing of the objective's
    history, or its progress, may be kept by."""
    query = (
        sa_select(
            col(MetricSnapshot.objective_id),
            func.count(),
            func.max(MetricSnapshot.id),
            func.max(MetricSnapshot.captured_at),
            func.sum(MetricSnapshot.value),
        )
        .where(col(MetricSnapshot.objective_id).in_(set(objective_ids)))
        .group_by(col(MetricSnapshot.objective_id))
        .order_by(col(MetricSnapshot.objective_id))
    )
    return [tuple(row) for row in session.execute(query)]


def measured_improvements(
    session: Session, owner_id: int, statuses: Iterable[str], kinds: Iterable[str] = MEASURED
) -> list[int]:
    """The improvements a person owns, in these statuses, with a successful measurement of these
    kinds: the only ones whose objectives can be off track (one query, however many they own)."""
    query = (
        select(Objective.improvement_id)
        .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
        .join(Improvement, col(Improvement.id) == col(Objective.improvement_id))
        .where(
            col(Improvement.owner_id) == owner_id,
            col(Improvement.status).in_(tuple(statuses)),
            col(MetricSnapshot.kind).in_(tuple(kinds)),
            col(MetricSnapshot.value).is_not(None),
        )
        .distinct()
    )
    return sorted(session.exec(query))


def keep_survey(session: Session, snapshot_id: int, survey: Survey | None) -> None:
    """The survey a recorded value is the mean of, or none: a value typed over it drops it."""
    query = select(SurveyResult).where(SurveyResult.snapshot_id == snapshot_id)
    row = session.exec(query).first()
    if survey is None:
        if row is not None:
            session.delete(row)
        return
    row = row or SurveyResult(snapshot_id=snapshot_id, question="", scale=0, counts="")
    row.question, row.scale = survey.question, survey.scale
    row.counts = ",".join(str(n) for n in survey.counts)
    session.add(row)


def latest_surveys(session: Session, improvement_id: int) -> dict[str, tuple[datetime, Survey]]:
    """Each objective's newest measured survey (checkpoint or final), by metric."""
    query = (
        select(Objective.metric, MetricSnapshot.checkpoint_at, SurveyResult)
        .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
        .join(SurveyResult, col(SurveyResult.snapshot_id) == col(MetricSnapshot.id))
        .where(
            Objective.improvement_id == improvement_id,
            col(MetricSnapshot.kind).in_(MEASURED),
        )
        .order_by(col(MetricSnapshot.checkpoint_at).desc())
    )
    found: dict[str, tuple[datetime, Survey]] = {}
    for metric, at, row in session.exec(query):
        counts = tuple(int(n) for n in row.counts.split(","))
        found.setdefault(metric, (as_utc(at), Survey(row.question, row.scale, counts)))
    return found
