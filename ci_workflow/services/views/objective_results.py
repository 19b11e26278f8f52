"""How objectives did and are doing, read inside a caller's session: each objective evaluated
(reports, practice), and its progress towards its target (progress, practice, the off-track
watch). Batched: a few queries however many improvements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.measures.evaluation import MIN_PER_SIDE, Evaluation, Point, evaluate
from ci_workflow.domain.measures.progress import assess, end_of
from ci_workflow.domain.measures.window import parse_window
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.stages.schedule import next_fires
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.store.db import Reader
from ci_workflow.store.gate_reads import measured_points, objectives_for

if TYPE_CHECKING:
    from sqlmodel import Session

    from ci_workflow.schemas import ProgressPublic

# Statuses whose checkpoints are still captured on the improvement's cadence.
SCHEDULED = (Status.executing, Status.in_review)


def evaluations_of(
    session: Reader, improvements: Sequence[Any], *, metric: str | None = None
) -> dict[int, list[Evaluation]]:
    """Every objective of these improvements (``Improvement``s, or rows of ``id``, ``status``,
    ``checkpoint_cron``, ``started_at``; or only ``metric``) evaluated, in two queries however
    many there are. Each splits its measurements at the improvement's ``started_at``,
    which apply and the move to executing keep at ``execution_start``."""
    by_id = {i.id or 0: i for i in improvements}
    if not by_id:
        return {}
    scheduled = {i: x.checkpoint_cron for i, x in by_id.items() if x.status in SCHEDULED}
    now = utcnow()
    fires = {cron: next_fires(cron, now, MIN_PER_SIDE) for cron in set(scheduled.values())}
    upcoming = {i: fires[cron] for i, cron in scheduled.items()}
    objectives = [o for o in objectives_for(session, by_id) if metric is None or o.metric == metric]
    # Measurements after closing answer "did it hold" (``measurement.sustainment``), not this.
    kinds = [k for k in SnapshotKind if k != SnapshotKind.sustain]
    points = measured_points(session, [o.id or 0 for o in objectives], kinds=kinds)
    found: dict[int, list[Evaluation]] = {i: [] for i in by_id}
    for o in objectives:
        found[o.improvement_id].append(
            evaluate(
                metric=o.metric,
                description=o.description,
                unit=o.unit,
                baseline=o.baseline,
                target=o.target,
                direction=o.direction,
                kpi_kind=o.kpi_kind,
                points=[Point(at, v, kind) for at, v, kind in points[o.id or 0]],
                started_at=by_id[o.improvement_id].started_at,
                upcoming=upcoming.get(o.improvement_id, ()),
                window=parse_window(o.window),
            )
        )
    return found


def progress_of(session: Session, improvement_ids: list[int]) -> dict[int, list[ProgressPublic]]:
    """The progress of every objective of these improvements, in three queries. An objective's
    progress is kept while its fields and its snapshots' fingerprint stay the same: the board and
    My work show it on every request, and its trend is fitted over every measurement (an objective
    measured daily for years has thousands)."""
    from ci_workflow.store.snapshots import fingerprint_rows

    objectives = objectives_for(session, improvement_ids)
    prints = {row[0]: row[1:] for row in fingerprint_rows(session, [o.id or 0 for o in objectives])}
    register = str(session.get_bind().engine.url)
    keys = {o.id or 0: (register, *_progress_key(o, prints.get(o.id or 0))) for o in objectives}
    missing = [o.id or 0 for o in objectives if keys[o.id or 0] not in _KEPT_PROGRESS]
    points = measured_points(session, missing)
    if len(_KEPT_PROGRESS) + len(missing) > KEPT_PROGRESS_AT_MOST:
        _KEPT_PROGRESS.clear()
    found: dict[int, list[ProgressPublic]] = {i: [] for i in improvement_ids}
    for objective in objectives:
        key = keys[objective.id or 0]
        if key not in _KEPT_PROGRESS:
            measured = [(at, v) for at, v, _ in points[objective.id or 0]]
            _KEPT_PROGRESS[key] = objective_progress(objective, measured)
        found[objective.improvement_id].append(_KEPT_PROGRESS[key].model_copy())
    return found


KEPT_PROGRESS_AT_MOST = 20_000
_KEPT_PROGRESS: dict[tuple[Any, ...], ProgressPublic] = {}


def _progress_key(objective: Any, fingerprint: tuple[Any, ...] | None) -> tuple[Any, ...]:
    o = objective
    return (o.id, o.metric, o.unit, o.baseline, o.target, o.direction, o.due, fingerprint)


def objective_progress(objective: Any, points: list[tuple[datetime, float]]) -> ProgressPublic:
    """The progress of ``objective`` (an ``Objective``, or its row) from its measurements."""
    from ci_workflow.schemas import ProgressPublic

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
