"""Capturing objectives' metrics: baselines before approval, checkpoints while an improvement
executes, the final capture at review, values people record, and the progress they show.

Sources are read outside any database transaction (a slow source holds no lock), several at a
time, and all results of one run are written in one transaction. A snapshot is unique on
(objective, kind, checkpoint time): capturing the same checkpoint again stores nothing new, except
that a success replaces an earlier failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cronsim import CronSim
from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Session, col, select

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.lifecycle import TERMINAL, Status
from ci_workflow.domain.progress import assess, end_of
from ci_workflow.domain.vocabulary import Role, SnapshotKind
from ci_workflow.errors import NotAuthorised, NotFound, UsageError
from ci_workflow.metrics import MetricError, Window, finite, is_fetched, measure
from ci_workflow.metrics.window import parse_window
from ci_workflow.store import improvements as store
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people import load_directory
from ci_workflow.store.tables import Improvement, MetricSnapshot, Objective
from ci_workflow.store.tables.common import utcnow

log = logging.getLogger("ci_workflow.capture")

CAPTURED = (Status.executing, Status.in_review)
PARALLEL_READS = 4  # sources are mostly I/O; SQLite ones are CPU-bound on 2 cores


@dataclass(frozen=True)
class Target:
    objective_id: int
    improvement_id: int
    metric: str
    window: str
    source: dict[str, Any]
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


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return utcnow()
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def capture(*, as_of: datetime | None = None, ref: str | None = None) -> CaptureResult:
    """Without ``ref``: every executing or in-review improvement whose cadence is due at
    ``as_of``, at its cadence's checkpoint time. With ``ref``: that improvement, at ``as_of``."""
    moment = _aware(as_of).replace(microsecond=0)
    with transaction(write=False) as session:
        if ref is not None:
            improvement = store.get_improvement(session, ref)
            if improvement.status in TERMINAL:
                raise UsageError(
                    f"{format_id(improvement.id or 0)} is {improvement.status}: nothing to capture"
                )
            targets = _targets(session, [improvement], lambda _: moment)
        else:
            improvements = session.exec(
                select(Improvement).where(col(Improvement.status).in_(CAPTURED))
            ).all()
            fires = {c: last_fire(c, moment) for c in {i.checkpoint_cron for i in improvements}}
            targets = _targets(session, improvements, lambda i: fires[i.checkpoint_cron])
            targets = _not_yet_captured(session, targets, SnapshotKind.checkpoint)
    return _capture(targets, SnapshotKind.checkpoint)


def capture_kind(
    improvement_id: int, kind: SnapshotKind, *, only_missing_baselines: bool = False
) -> CaptureResult:
    """The baseline (define stage) or final (review stage) capture of one improvement, now."""
    moment = utcnow()
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, str(improvement_id))
        targets = _targets(session, [improvement], lambda _: moment)
        if only_missing_baselines:
            missing = {
                o.id for o in store.objectives_of(session, improvement_id) if o.baseline is None
            }
            targets = [t for t in targets if t.objective_id in missing]
    return _capture(targets, kind)


def _targets(session: Session, improvements: Iterable[Improvement], when: Any) -> list[Target]:
    by_id = {i.id: i for i in improvements}
    if not by_id:
        return []
    objectives = session.exec(
        select(Objective).where(col(Objective.improvement_id).in_(by_id))
    ).all()
    return [
        Target(
            o.id or 0, o.improvement_id, o.metric, o.window, o.source, when(by_id[o.improvement_id])
        )
        for o in objectives
        if is_fetched(o.source)
    ]


def _not_yet_captured(session: Session, targets: list[Target], kind: str) -> list[Target]:
    """Drop targets whose checkpoint already holds a value (failures are tried again)."""
    if not targets:
        return []
    done = set(
        session.exec(
            select(MetricSnapshot.objective_id, MetricSnapshot.checkpoint_at).where(
                col(MetricSnapshot.objective_id).in_({t.objective_id for t in targets}),
                MetricSnapshot.kind == kind,
                col(MetricSnapshot.value).is_not(None),
            )
        ).all()
    )
    return [
        t
        for t in targets
        if (t.objective_id, _aware(t.checkpoint_at)) not in {(o, _aware(a)) for o, a in done}
    ]


def _read(target: Target) -> tuple[Target, float | None, str | None]:
    try:
        return (
            target,
            measure(target.source, Window.ending(target.checkpoint_at, target.window)),
            None,
        )
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
        existing = {
            (s.objective_id, _aware(s.checkpoint_at)): s
            for s in session.exec(
                select(MetricSnapshot).where(
                    col(MetricSnapshot.objective_id).in_({t.objective_id for t in targets}),
                    col(MetricSnapshot.checkpoint_at).in_({t.checkpoint_at for t in targets}),
                    MetricSnapshot.kind == kind,
                )
            )
        }
        for target, value, error in readings:
            name = f"{format_id(target.improvement_id)} {target.metric}"
            if error is not None:
                result.failed.append(f"{name}: {error}")
                log.warning("capture failed: %s: %s", name, error)
            snapshot = existing.get((target.objective_id, _aware(target.checkpoint_at)))
            if snapshot is not None and (snapshot.value is not None or value is None):
                result.unchanged += 1
                continue
            if value is not None:
                result.stored.append(f"{name} = {value:g}")
            if snapshot is not None:  # a success replacing an earlier failure
                snapshot.value, snapshot.error, snapshot.captured_at = value, error, now
                session.add(snapshot)
                continue
            new_rows.append(
                {"objective_id": target.objective_id, "kind": kind, "value": value, "error": error,
                 "checkpoint_at": target.checkpoint_at, "captured_at": now}
            )  # fmt: skip
        if new_rows:
            # Core, not ORM objects: a scheduled pass writes thousands of rows.
            session.execute(insert(MetricSnapshot), new_rows)
        session.flush()
        _watch_tracks(session, {t.improvement_id for t, value, _ in readings if value is not None})
    return result


def backfill(ref: str, *, start: datetime, end: datetime, every: str) -> CaptureResult:
    """Checkpoints at start, start + every, ... up to end: an improvement replayed on history."""
    step = parse_window(every)
    moment, result = _aware(start), CaptureResult()
    if moment > _aware(end):
        raise UsageError("--from must not be after --to")
    while moment <= _aware(end):
        result.merge(capture(as_of=moment, ref=ref))
        moment += step
    return result


# --- values people record ---

RECORDERS = (Role.data_analyst, Role.improvement_team, Role.ci_manager)


def record(
    ref: str, metric: str, value: float, *, by: str, at: datetime | None, baseline: bool
) -> str:
    """A value typed in by a person: the owner, a team member, a data analyst or a CI manager."""
    number = finite(value)
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        person = load_directory(session).find(by)
        if person is None:
            raise NotAuthorised(f"unknown person {by!r} (see `improve people list`)")
        team = {p.id for p in store.team_of(session, improvement.id or 0)}
        if not (
            person.id == improvement.owner_id
            or person.id in team
            or any(person.holds(r) for r in RECORDERS)
        ):
            raise NotAuthorised(
                f"{person.name} may not record values of {shown}: only its owner, its team, "
                "a data analyst or a CI manager may"
            )
        objective = next(
            (o for o in store.objectives_of(session, improvement.id or 0) if o.metric == metric),
            None,
        )
        if objective is None:
            raise NotFound(f"{shown} has no objective {metric!r}")
        kind = SnapshotKind.baseline if baseline else SnapshotKind.checkpoint
        if baseline:
            if improvement.status not in (Status.identified, Status.defined, Status.planned):
                raise UsageError(
                    f"the baseline of {shown} is fixed since its plan went for approval"
                )
            objective.baseline, objective.baseline_mode = number, "measure"
            session.add(objective)
        moment = _aware(at).replace(microsecond=0)
        existing = session.exec(
            select(MetricSnapshot).where(
                MetricSnapshot.objective_id == objective.id,
                MetricSnapshot.kind == kind,
                MetricSnapshot.checkpoint_at == moment,
            )
        ).first()
        snapshot = existing or MetricSnapshot(
            objective_id=objective.id or 0, kind=kind, checkpoint_at=moment
        )
        snapshot.value, snapshot.error, snapshot.recorded_by = number, None, person.name
        session.add(snapshot)
        record_event(
            session,
            improvement_id=improvement.id,
            actor=person.name,
            action="value_recorded",
            detail=f"{metric} = {number:g} at {moment:%Y-%m-%d %H:%M} ({kind})",
        )
        session.flush()
        _watch_tracks(session, {improvement.id or 0})
        return f"{shown} {metric} = {number:g} recorded ({kind}, {moment:%Y-%m-%d %H:%M} UTC)"


# --- reading snapshots and progress ---


class SnapshotPublic(BaseModel):
    metric: str
    kind: str
    checkpoint_at: datetime
    value: float | None
    error: str | None
    recorded_by: str | None


class ProgressPublic(BaseModel):
    metric: str
    unit: str
    baseline: float | None
    target: float
    direction: str
    due: str
    latest: float | None
    latest_at: datetime | None
    achieved_pct: float | None
    projected_at_due: float | None
    track: str
    reason: str


def snapshots(ref: str) -> tuple[str, list[SnapshotPublic]]:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        rows = session.exec(
            select(Objective.metric, MetricSnapshot)
            .join(MetricSnapshot, col(MetricSnapshot.objective_id) == col(Objective.id))
            .where(Objective.improvement_id == improvement.id)
            .order_by(
                col(MetricSnapshot.checkpoint_at), col(Objective.position), col(MetricSnapshot.kind)
            )
        ).all()
        return format_id(improvement.id or 0), [
            SnapshotPublic(
                metric=m,
                kind=s.kind,
                checkpoint_at=s.checkpoint_at,
                value=s.value,
                error=s.error,
                recorded_by=s.recorded_by,
            )
            for m, s in rows
        ]


def progress(ref: str) -> tuple[str, list[ProgressPublic]]:
    with transaction(write=False) as session:
        improvement_id = store.get_improvement(session, ref).id or 0
        return format_id(improvement_id), progress_of(session, [improvement_id])[improvement_id]


def progress_of(session: Session, improvement_ids: list[int]) -> dict[int, list[ProgressPublic]]:
    """The progress of every objective of these improvements, in two queries."""
    objectives = session.exec(
        select(Objective)
        .where(col(Objective.improvement_id).in_(improvement_ids))
        .order_by(col(Objective.improvement_id), col(Objective.position))
    ).all()
    points = _points(session, {o.id or 0 for o in objectives})
    found: dict[int, list[ProgressPublic]] = {i: [] for i in improvement_ids}
    for objective in objectives:
        found[objective.improvement_id].append(_progress(objective, points[objective.id or 0]))
    return found


def _points(session: Session, objective_ids: set[int]) -> dict[int, list[tuple[datetime, float]]]:
    """The measured checkpoints (and final captures) of these objectives, oldest first."""
    points: dict[int, list[tuple[datetime, float]]] = {i: [] for i in objective_ids}
    rows = session.exec(
        select(MetricSnapshot.objective_id, MetricSnapshot.checkpoint_at, MetricSnapshot.value)
        .where(
            col(MetricSnapshot.objective_id).in_(objective_ids),
            col(MetricSnapshot.kind).in_((SnapshotKind.checkpoint, SnapshotKind.final)),
            col(MetricSnapshot.value).is_not(None),
        )
        .order_by(col(MetricSnapshot.checkpoint_at))
    ).all()
    for objective_id, at, value in rows:
        if value is not None:
            points[objective_id].append((_aware(at), float(value)))
    return points


def _progress(objective: Objective, points: list[tuple[datetime, float]]) -> ProgressPublic:
    found = assess(
        baseline=objective.baseline,
        target=objective.target,
        direction=objective.direction,
        due=end_of(objective.due),
        points=points,
    )
    return ProgressPublic(
        metric=objective.metric,
        unit=objective.unit,
        baseline=objective.baseline,
        target=objective.target,
        direction=objective.direction,
        due=str(objective.due),
        latest=found.latest,
        latest_at=found.latest_at,
        achieved_pct=found.achieved_pct,
        projected_at_due=found.projected,
        track=found.track,
        reason=found.reason,
    )


def _watch_tracks(session: Session, improvement_ids: set[int]) -> None:
    """When an objective turns off track, audit it and tell the improvement's owner (once).

    Reads everything it needs for all the improvements in four queries: a capture run touches
    hundreds of them.
    """
    from ci_workflow.store.tables import AuditEvent, Person

    improvements = {
        i.id: i
        for i in session.exec(
            select(Improvement).where(
                col(Improvement.id).in_(improvement_ids), col(Improvement.status).in_(CAPTURED)
            )
        )
    }
    if not improvements:
        return
    objectives = session.exec(
        select(Objective).where(col(Objective.improvement_id).in_(improvements))
    ).all()
    points = _points(session, {o.id or 0 for o in objectives})
    last: dict[tuple[int, str], str] = {}
    for event in session.exec(
        select(AuditEvent)
        .where(
            col(AuditEvent.improvement_id).in_(improvements),
            col(AuditEvent.action).in_(("objective_off_track", "objective_on_track")),
        )
        .order_by(col(AuditEvent.id))
    ):
        last[(event.improvement_id or 0, event.detail.split(":", 1)[0])] = event.action
    owners = {p.id: p.name for p in session.exec(select(Person))}
    for objective in objectives:
        improvement_id = objective.improvement_id
        now = _progress(objective, points[objective.id or 0])
        before = last.get((improvement_id, objective.metric))
        if now.track == "off track" and before != "objective_off_track":
            owner = owners.get(improvements[improvement_id].owner_id, "?")
            message = (
                f"{objective.metric}: off track — projected {now.projected_at_due:g} at "
                f"{objective.due} against a target of {objective.target:g}; owner {owner} told"
            )
            log.warning("%s %s", format_id(improvement_id), message)
            record_event(
                session,
                improvement_id=improvement_id,
                actor="checkpoints",
                action="objective_off_track",
                detail=message,
            )
        elif now.track in ("on track", "met") and before == "objective_off_track":
            record_event(
                session,
                improvement_id=improvement_id,
                actor="checkpoints",
                action="objective_on_track",
                detail=f"{objective.metric}: back on track ({now.reason})",
            )
