"""Values people record, and reading an improvement's snapshots and progress."""

from __future__ import annotations

from datetime import datetime

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import CLOCK_SKEW, as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import EDITABLE_DEFINITION
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.metrics import finite
from ci_workflow.schemas import ProgressPublic, SnapshotPublic, from_row
from ci_workflow.services.measurement._off_track import watch_tracks
from ci_workflow.services.people import notifications
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import find_snapshot, snapshots_of
from ci_workflow.store.tables import MetricSnapshot


def record(
    ref: str, metric: str, value: float, *, actor: Actor, at: datetime | None, baseline: bool
) -> str:
    """A value typed in by a person: the owner, a team member, a data analyst or a CI manager."""
    number = finite(value)
    person = actor.person
    if at is not None and as_utc(at) > utcnow() + CLOCK_SKEW:
        raise UsageError(
            f"--at {as_utc(at):%Y-%m-%d %H:%M} UTC is in the future: a value is recorded when it "
            "was measured"
        )
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        parties = store.parties_of(session, improvement)
        may = person is not None and allowed(Action.record, person, parties)
    if person is None or not may:
        raise refuse(
            actor,
            f"{actor.name} may not record values of {shown}: only its owner, its team, "
            "a data analyst of its process or service, or a CI manager may",
            improvement_id=improvement.id,
        )
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        objective = next(
            (o for o in store.objectives_of(session, improvement.id or 0) if o.metric == metric),
            None,
        )
        if objective is None:
            raise NotFound(f"{shown} has no objective {metric!r}")
        kind = SnapshotKind.baseline if baseline else SnapshotKind.checkpoint
        if baseline:
            if improvement.status not in EDITABLE_DEFINITION:
                raise UsageError(
                    f"the baseline of {shown} is fixed since its plan went for approval"
                )
            objective.baseline, objective.baseline_mode = number, "measure"
            session.add(objective)
        moment = as_utc(at or utcnow()).replace(microsecond=0)
        snapshot = find_snapshot(session, objective.id or 0, kind, moment) or MetricSnapshot(
            objective_id=objective.id or 0, kind=kind, checkpoint_at=moment
        )
        snapshot.value, snapshot.error, snapshot.recorded_by = number, None, person.name
        session.add(snapshot)
        record_event(
            session,
            improvement_id=improvement.id,
            actor=person.name,
            channel=actor.channel,
            principal=actor.principal,
            action="value_recorded",
            detail=f"{metric} = {number:g} at {moment:%Y-%m-%d %H:%M} ({kind})",
        )
        session.flush()
        watch_tracks(session, {improvement.id or 0})
    notifications.dispatch()
    return f"{shown} {metric} = {number:g} recorded ({kind}, {moment:%Y-%m-%d %H:%M} UTC)"


def snapshots(ref: str) -> tuple[str, list[SnapshotPublic]]:
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        rows = snapshots_of(session, improvement.id or 0)
        return format_id(improvement.id or 0), [
            from_row(SnapshotPublic, snapshot, metric=metric) for metric, snapshot in rows
        ]


def progress(ref: str) -> tuple[str, list[ProgressPublic]]:
    with transaction(write=False) as session:
        improvement_id = store.get_improvement(session, ref).id or 0
        return format_id(improvement_id), progress_of(session, [improvement_id])[improvement_id]
