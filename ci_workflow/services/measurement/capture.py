"""Capturing objectives' metrics: baselines before approval, checkpoints while an improvement
executes, and the final capture at review.

Sources are read outside any transaction (a slow source holds no lock), several at a time (at
most IMPROVE_CAPTURE_READS_PER_HOST per host), and all results of one run are written in one
transaction. A snapshot is unique on (objective, kind, checkpoint time): capturing a checkpoint
again stores nothing new, except that a success replaces an earlier failure.

The scheduled capture at scale: ``due_batches`` splits what is due into batches of plain data,
and ``capture_batch`` reads and writes one batch in its own transaction, wherever it runs (a
thread of the flow's process, a Dask worker); the caller dispatches notifications after them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cronsim import CronSim
from sqlmodel import Session

from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.sources import is_fetched, parse_source
from ci_workflow.domain.measures.window import parse_window
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import UsageError
from ci_workflow.formatting import number
from ci_workflow.services.measurement._off_track import CAPTURED, watch_tracks
from ci_workflow.services.measurement._source_reads import Reading, Target, read_all
from ci_workflow.services.measurement.sustainment import closed_improvements, in_sustainment
from ci_workflow.services.measurement.sustainment import watch as watch_sustainment
from ci_workflow.services.people import notifications
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import (
    failed_baselines,
    insert_snapshots,
    measured_checkpoints,
    snapshots_at,
)
from ci_workflow.store.tables import Improvement, Objective


@dataclass
class CaptureResult:
    stored: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)

    def merge(self, other: CaptureResult) -> None:
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.failed += other.failed


def _moment(as_of: datetime | None) -> datetime:
    return as_utc(as_of or utcnow()).replace(microsecond=0)


def _past(moment: datetime) -> datetime:
    """A time asked for: a future one would store values no source can have yet."""
    if moment > utcnow():
        said = f"as of {moment:%Y-%m-%d %H:%M} UTC is in the future"
        raise UsageError(f"{said}: a capture measures what has happened")
    return moment


def last_fire(cron: str, as_of: datetime) -> datetime:
    """The checkpoint a cadence calls for at ``as_of``: its latest time not after ``as_of``."""
    return next(CronSim(cron, as_of + timedelta(seconds=1), reverse=True))


def capture(
    *, as_of: datetime | None = None, ref: str | None = None, replay: bool = False
) -> CaptureResult:
    """Without ``ref``: every executing or in-review improvement due at ``as_of``, at its
    cadence's checkpoint time, and every closed one in its sustainment period (``sustain``).
    With ``ref``: that one, at ``as_of``; ``replay``: history, nobody told of off track."""
    moment = _past(_moment(as_of))
    with transaction(write=False) as session:
        if ref is not None:
            improvement = store.get_improvement(session, ref)
            kind = _kind_for(session, improvement, moment)
            objectives = store.objectives_for(session, [improvement.id or 0])
            return _capture(_targets(objectives, lambda _: moment), kind, replay=replay)
        kinds, targets = _due(session, moment)
    result = CaptureResult()
    for kind in (SnapshotKind.checkpoint, SnapshotKind.sustain):
        result.merge(_store([t for t in targets if kinds[t.improvement_id] == kind], kind))
    notifications.dispatch()  # an objective off track, a gain that did not hold: people are told
    return result


def _due(session: Session, moment: datetime) -> tuple[dict[int, SnapshotKind], list[Target]]:
    """What the scheduled capture reads at ``moment``: the kind of capture of each improvement
    due (checkpoint, or sustain once closed), and each of their objectives not yet measured at
    the checkpoint its cadence calls for."""
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
    kinds = dict.fromkeys(improvements, SnapshotKind.checkpoint)
    kinds |= dict.fromkeys(sustained, SnapshotKind.sustain)
    return kinds, [t for t in targets if (t.objective_id, t.checkpoint_at) not in done]


@dataclass(frozen=True)
class Batch:
    """Objectives one capture task reads and writes together, as plain data (ids and times) that
    travels to a thread or a Dask worker: the task loads the sources itself. An improvement's
    objectives are never split, so its off-track watch runs once, in one batch."""

    kind: str  # checkpoint or sustain
    improvement_ids: tuple[int, ...]
    checkpoints: tuple[tuple[int, datetime], ...]  # (objective id, checkpoint time)

    @property
    def label(self) -> str:
        """E.g. ``checkpoints of IMP-0001 to IMP-0016``: what its task run is called."""
        first, last = format_id(self.improvement_ids[0]), format_id(self.improvement_ids[-1])
        return f"{self.kind}s of {first}" + (f" to {last}" if last != first else "")


def due_batches(as_of: datetime | None = None, size: int | None = None) -> list[Batch]:
    """What the scheduled capture reads at ``as_of`` (see ``capture``), as batches of about
    ``size`` objectives (default IMPROVE_CAPTURE_BATCH_SIZE): whole improvements, one kind each."""
    moment = _moment(as_of)
    limit = size or get_settings().capture_batch_size
    with transaction(write=False) as session:
        kinds, targets = _due(session, moment)
    batches: list[Batch] = []
    for kind in (SnapshotKind.checkpoint, SnapshotKind.sustain):
        by_improvement: dict[int, list[Target]] = {}
        for target in targets:
            if kinds[target.improvement_id] == kind:
                by_improvement.setdefault(target.improvement_id, []).append(target)
        group: list[list[Target]] = []
        for objectives in by_improvement.values():
            if group and sum(map(len, group)) + len(objectives) > limit:
                batches.append(_batch(kind, group))
                group = []
            group.append(objectives)  # alone if it has more than the limit: never split
        if group:
            batches.append(_batch(kind, group))
    return batches


def _batch(kind: str, group: list[list[Target]]) -> Batch:
    ids = tuple(objectives[0].improvement_id for objectives in group)
    due = tuple((t.objective_id, t.checkpoint_at) for objectives in group for t in objectives)
    return Batch(str(kind), ids, due)


def capture_batch(batch: Batch) -> CaptureResult:
    """One batch read and written in its own transaction, then the watches (off track, a gain
    that did not hold) for the improvements it measured. Nobody is told yet: the caller calls
    ``notifications.dispatch()`` once every batch is written. A batch run again (a retry) reads
    only what is still missing or failed."""
    due = dict(batch.checkpoints)
    with transaction(write=False) as session:
        objectives = store.objectives_for(session, batch.improvement_ids)
        targets = _targets([o for o in objectives if (o.id or 0) in due], lambda o: due[o.id or 0])
        done = measured_checkpoints(session, due, batch.kind)
    todo = [t for t in targets if (t.objective_id, t.checkpoint_at) not in done]
    result = _store(todo, batch.kind)
    result.unchanged += len(targets) - len(todo)
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


def _capture(targets: list[Target], kind: str, *, replay: bool = False) -> CaptureResult:
    result = _store(targets, kind, replay=replay)
    notifications.dispatch()  # an objective off track, a gain that did not hold: people are told
    return result


def _store(targets: list[Target], kind: str, *, replay: bool = False) -> CaptureResult:
    """Read ``targets``, write what they gave in one transaction, and watch the improvements
    measured."""
    if not targets:
        return CaptureResult()
    readings = read_all(targets)
    with transaction() as session:
        result = _write(session, readings, kind)
        measured = {t.improvement_id for t, value, _ in readings if value is not None}
        if kind == SnapshotKind.sustain:
            watch_sustainment(session, measured)
        else:
            watch_tracks(session, measured, replay=replay)
    return result


def _write(session: Session, readings: list[Reading], kind: str) -> CaptureResult:
    result, now, new_rows = CaptureResult(), utcnow(), []
    objective_ids = {t.objective_id for t, _, _ in readings}
    moments = {t.checkpoint_at for t, _, _ in readings}
    existing = snapshots_at(session, objective_ids, moments, kind)
    # A baseline is captured once per define stage: a retry replaces the failure it left.
    retried = failed_baselines(session, objective_ids) if kind == SnapshotKind.baseline else {}
    for target, value, error in readings:
        name = f"{format_id(target.improvement_id)} {target.metric}"
        if error is not None:
            result.failed.append(f"{name}: {error}")
        snapshot = existing.get((target.objective_id, target.checkpoint_at))
        replacing = snapshot is None and target.objective_id in retried
        if replacing:
            snapshot = retried[target.objective_id]
            snapshot.checkpoint_at = target.checkpoint_at
        elif snapshot is not None and (snapshot.value is not None or value is None):
            result.unchanged += 1
            continue
        if value is not None:
            result.stored.append(f"{name} = {number(value)}")
        if snapshot is not None:  # a success (or a new try) replacing an earlier failure
            snapshot.value, snapshot.error, snapshot.captured_at = value, error, now
            session.add(snapshot)
            continue
        new_rows.append(
            {
                "objective_id": target.objective_id,
                "kind": kind,
                "value": value,
                "error": error,
                "checkpoint_at": target.checkpoint_at,
                "captured_at": now,
            }
        )
    insert_snapshots(session, new_rows)
    session.flush()
    return result


def backfill(ref: str, *, start: datetime, end: datetime, every: str) -> CaptureResult:
    """Checkpoints at start, start + every, ... up to end: history replayed (nobody told)."""
    step = parse_window(every)
    moment, last, result = as_utc(start), as_utc(end), CaptureResult()
    if moment > last:
        raise UsageError("--from must not be after --to")
    _past(last)  # the whole replay is refused, before anything is stored
    while moment <= last:
        result.merge(capture(as_of=moment, ref=ref, replay=True))
        moment += step
    return result
