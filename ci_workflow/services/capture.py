"""Capturing objectives' metrics: baselines before approval, checkpoints while an improvement
executes, and the final capture at review.

Sources are read outside any database transaction (a slow source holds no lock), several at a
time, and all results of one run are written in one transaction. A snapshot is unique on
(objective, kind, checkpoint time): capturing the same checkpoint again stores nothing new, except
that a success replaces an earlier failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cronsim import CronSim
from sqlmodel import Session

from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import TERMINAL, Status
from ci_workflow.domain.sources import AnySource, is_fetched, parse_source
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.domain.window import Window, parse_window
from ci_workflow.errors import MetricError, UsageError
from ci_workflow.metrics import measure
from ci_workflow.services import notifications
from ci_workflow.services.sustainment import closed_improvements, in_sustainment
from ci_workflow.services.sustainment import watch as watch_sustainment
from ci_workflow.services.tracks import CAPTURED, watch_tracks
from ci_workflow.store import improvements as store
from ci_workflow.store.db import transaction
from ci_workflow.store.snapshots import (
    failed_baselines,
    insert_snapshots,
    measured_checkpoints,
    snapshots_at,
)
from ci_workflow.store.tables import Improvement, Objective

log = logging.getLogger("ci_workflow.capture")

PARALLEL_READS = 4  # sources are mostly I/O; SQLite ones are CPU-bound on 2 cores


@dataclass(frozen=True)
class Target:
    objective_id: int
    improvement_id: int
    metric: str
    window: str
    source: AnySource
    checkpoint_at: datetime


@dataclass
class CaptureResult:
    stored: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)

    def merge(self, other: CaptureResult) -> None:
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.failed += other.failed


def last_fire(cron: str, as_of: datetime) -> datetime:
    """The checkpoint a cadence calls for at ``as_of``: its latest time not after ``as_of``."""
    return next(CronSim(cron, as_of + timedelta(seconds=1), reverse=True))


def capture(*, as_of: datetime | None = None, ref: str | None = None) -> CaptureResult:
    """Without ``ref``: every executing or in-review improvement whose cadence is due at
    ``as_of``, at its cadence's checkpoint time, and every closed one in its sustainment period
    (kind ``sustain``). With ``ref``: that improvement, at ``as_of``."""
    moment = as_utc(as_of or utcnow()).replace(microsecond=0)
    with transaction(write=False) as session:
        if ref is not None:
            improvement = store.get_improvement(session, ref)
            kind = _kind_for(session, improvement, moment)
            objectives = store.objectives_for(session, [improvement.id or 0])
            return _capture(_targets(objectives, lambda _: moment), kind)
        improvements = {i.id or 0: i for i in store.with_status(session, CAPTURED)}
        sustained = {c.improvement.id or 0: c.improvement for c in in_sustainment(session, moment)}
        crons = {i.checkpoint_cron for i in (*improvements.values(), *sustained.values())}
        fires = {cron: last_fire(cron, moment) for cron in crons}
        every = improvements | sustained

        def due(objective: Objective) -> datetime:
            return fires[every[objective.improvement_id].checkpoint_cron]

        targets = _targets(store.objectives_for(session, every), due)
        objective_ids = {t.objective_id for t in targets}
        done = measured_checkpoints(
            session, objective_ids, SnapshotKind.checkpoint, SnapshotKind.sustain
        )
        targets = [t for t in targets if (t.objective_id, t.checkpoint_at) not in done]
    result = _capture(
        [t for t in targets if t.improvement_id in improvements], SnapshotKind.checkpoint
    )
    result.merge(
        _capture([t for t in targets if t.improvement_id in sustained], SnapshotKind.sustain)
    )
    return result


def _kind_for(session: Session, improvement: Improvement, moment: datetime) -> SnapshotKind:
    """What a capture of this improvement at ``moment`` is: a checkpoint while it executes or is
    reviewed; a sustainment measurement in the period after it closed; else nothing to capture."""
    shown = format_id(improvement.id or 0)
    if improvement.status == Status.closed:
        (closed,) = [c for c in closed_improvements(session) if c.improvement.id == improvement.id]
        if closed.measured_at(moment):
            return SnapshotKind.sustain
        raise UsageError(
            f"{shown} closed on {closed.closed_at:%Y-%m-%d} and is measured until "
            f"{closed.ends:%Y-%m-%d}: nothing to capture at {moment:%Y-%m-%d %H:%M}"
        )
    if improvement.status in TERMINAL:
        raise UsageError(f"{shown} is {improvement.status}: nothing to capture")
    return SnapshotKind.checkpoint


def capture_kind(
    improvement_id: int, kind: SnapshotKind, *, only_missing_baselines: bool = False
) -> CaptureResult:
    """The baseline (define stage) or final (review stage) capture of one improvement, now."""
    moment = utcnow()
    with transaction(write=False) as session:
        objectives = store.objectives_of(session, improvement_id)
    if only_missing_baselines:
        objectives = [o for o in objectives if o.baseline is None]
    return _capture(_targets(objectives, lambda _: moment), kind)


def _targets(
    objectives: Iterable[Objective], when: Callable[[Objective], datetime]
) -> list[Target]:
    """What to read: each fetched objective's source, at the checkpoint ``when`` gives it."""
    return [
        Target(o.id or 0, o.improvement_id, o.metric, o.window, parse_source(o.source), when(o))
        for o in objectives
        if is_fetched(o.source)
    ]


def _read(target: Target) -> tuple[Target, float | None, str | None]:
    try:
        window = Window.ending(target.checkpoint_at, target.window)
        return target, measure(target.source, window), None
    except MetricError as error:
        return target, None, str(error)
    except Exception as error:  # a source must never stop the others
        return target, None, f"{type(error).__name__}: {error}"


def _capture(targets: list[Target], kind: str) -> CaptureResult:
    if not targets:
        return CaptureResult()
    with ThreadPoolExecutor(max_workers=min(PARALLEL_READS, len(targets))) as pool:
        readings = list(pool.map(_read, targets))
    result, now, new_rows = CaptureResult(), utcnow(), []
    with transaction() as session:
        objective_ids = {t.objective_id for t in targets}
        existing = snapshots_at(session, objective_ids, {t.checkpoint_at for t in targets}, kind)
        # A baseline is captured once per define stage: a retry replaces the failure it left.
        retried = failed_baselines(session, objective_ids) if kind == SnapshotKind.baseline else {}
        for target, value, error in readings:
            name = f"{format_id(target.improvement_id)} {target.metric}"
            if error is not None:
                result.failed.append(f"{name}: {error}")
                log.warning("capture failed: %s: %s", name, error)
            snapshot = existing.get((target.objective_id, target.checkpoint_at))
            replacing = snapshot is None and target.objective_id in retried
            if replacing:
                snapshot = retried[target.objective_id]
                snapshot.checkpoint_at = target.checkpoint_at
            elif snapshot is not None and (snapshot.value is not None or value is None):
                result.unchanged += 1
                continue
            if value is not None:
                result.stored.append(f"{name} = {value:g}")
            if snapshot is not None:  # a success (or a new try) replacing an earlier failure
                snapshot.value, snapshot.error, snapshot.captured_at = value, error, now
                session.add(snapshot)
                continue
            new_rows.append(
                {"objective_id": target.objective_id, "kind": kind, "value": value, "error": error,
                 "checkpoint_at": target.checkpoint_at, "captured_at": now}
            )  # fmt: skip
        insert_snapshots(session, new_rows)
        session.flush()
        measured = {t.improvement_id for t, value, _ in readings if value is not None}
        if kind == SnapshotKind.sustain:
            watch_sustainment(session, measured)
        else:
            watch_tracks(session, measured)
    notifications.dispatch()  # an objective off track, a gain that did not hold: people are told
    return result


def backfill(ref: str, *, start: datetime, end: datetime, every: str) -> CaptureResult:
    """Checkpoints at start, start + every, ... up to end: an improvement replayed on history."""
    step = parse_window(every)
    moment, last, result = as_utc(start), as_utc(end), CaptureResult()
    if moment > last:
        raise UsageError("--from must not be after --to")
    while moment <= last:
        result.merge(capture(as_of=moment, ref=ref))
        moment += step
    return result
