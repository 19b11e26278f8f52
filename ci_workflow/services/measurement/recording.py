"""Values people record, and reading an improvement's snapshots and progress."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import CLOCK_SKEW, as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.measures.surveys import (
    SURVEYED,
    Survey,
    parse_counts,
    survey,
    survey_from_csv,
)
from ci_workflow.domain.stages.lifecycle import EDITABLE_DEFINITION
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.metrics import finite
from ci_workflow.schemas import ProgressPublic, SnapshotPublic, from_row
from ci_workflow.services.measurement._off_track import watch_tracks
from ci_workflow.services.people import notifications
from ci_workflow.services.people.refusals import refuse
from ci_workflow.services.views.gate_warnings import BASELINE_CONFIRMED, baselines_of
from ci_workflow.services.views.improvement_acts import BEFORE_APPROVAL
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.store.audit import record_act, record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import find_snapshot, keep_survey, snapshots_of
from ci_workflow.store.tables import MetricSnapshot, Objective

MAX_NOTE = 1000


def record(
    ref: str,
    metric: str,
    value: float,
    *,
    actor: Actor,
    at: datetime | None,
    baseline: bool,
    note: str | None = None,
    survey: Survey | None = None,
) -> str:
    """A value typed in by a person: the owner, a team member, a data analyst of its process or
    service, or a CI manager; with a ``survey``, the value is the survey's mean and the survey
    is kept with it. Every channel records through here."""
    number = finite(survey.mean if survey is not None else value)
    said = _checked(note, at)
    person = _recorder(ref, actor)
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        shown = format_id(improvement.id or 0)
        objective = _objective(session, improvement.id or 0, metric, shown, survey)
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
        snapshot.note = said or None
        session.add(snapshot)
        session.flush()
        keep_survey(session, snapshot.id or 0, survey)
        line = f"{metric} = {number:g} at {moment:%Y-%m-%d %H:%M} ({kind})"
        line += f", survey of {survey.statement()}" if survey is not None else ""
        record_event(
            session,
            improvement_id=improvement.id,
            actor=person.name,
            channel=actor.channel,
            principal=actor.principal,
            action="value_recorded",
            detail=line + (f": {said}" if said else ""),
        )
        session.flush()
        watch_tracks(session, {improvement.id or 0})
    notifications.dispatch()
    also = f"; survey of {survey.statement()}" if survey is not None else ""
    return f"{shown} {metric} = {number:g} recorded ({kind}, {moment:%Y-%m-%d %H:%M} UTC){also}"


def record_survey(
    ref: str,
    metric: str,
    *,
    question: str,
    scale: int,
    answers: str | list[int] | None = None,
    responses_csv: bytes | None = None,
    actor: Actor,
    at: datetime | None,
    note: str | None = None,
) -> str:
    """A survey's result, from the answers per scale point (``2, 3, 10, 20, 12``) or a CSV file
    of responses: its mean is recorded as the objective's value, the survey kept with it."""
    if (answers is None) == (responses_csv is None):
        raise UsageError(
            "answers per point: give how many answered each point, or a file of responses "
            "(one of the two)"
        )
    if responses_csv is not None:
        found = survey_from_csv(question, scale, responses_csv)
    else:
        counts = parse_counts(answers) if isinstance(answers, str) else list(answers or [])
        found = survey(question, scale, counts)
    return record(
        ref, metric, found.mean, actor=actor, at=at, baseline=False, note=note, survey=found
    )


def confirm_baseline(ref: str, metric: str, *, actor: Actor) -> str:
    """The owner confirms an objective's measured baseline as it was measured (value, when,
    window, source): the trail keeps that line, by whom and when. Every channel confirms here."""
    person = actor.person
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        parties = store.parties_of(session, improvement)
    shown = format_id(improvement.id or 0)
    if person is None or not allowed(Action.confirm_baseline, person, parties):
        message = (
            f"{actor.name} may not confirm baselines of {shown}: only its owner or a CI manager may"
        )
        raise refuse(actor, message, improvement_id=improvement.id)
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        if improvement.status not in BEFORE_APPROVAL:
            raise UsageError(f"{shown} is {improvement.status}: its baselines were settled")
        found = {b.metric: b for b in baselines_of(session, improvement)}
        if metric not in found:
            raise NotFound(f"{shown} has no measured baseline {metric!r}")
        baseline = found[metric]
        if baseline.is_confirmed:
            return f"{shown} {metric}: the baseline was confirmed already"
        record_act(
            session,
            actor,
            improvement_id=improvement.id,
            action=BASELINE_CONFIRMED,
            detail=baseline.line,
        )
    return f"{shown} baseline confirmed: {baseline.line}"


def _checked(note: str | None, at: datetime | None) -> str:
    """The note on one line, once it and the moment are fit to keep."""
    said = " ".join((note or "").split())
    if len(said) > MAX_NOTE:
        raise UsageError(f"note: at most {MAX_NOTE} characters")
    if at is not None and as_utc(at) > utcnow() + CLOCK_SKEW:
        raise UsageError(
            f"as of {as_utc(at):%Y-%m-%d %H:%M} UTC is in the future: a value is recorded when "
            "it was measured"
        )
    return said


def _recorder(ref: str, actor: Actor) -> PersonView:
    """The person recording, once ``allowed`` says they may; a refusal is audited."""
    person = actor.person
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        parties = store.parties_of(session, improvement)
        may = person is not None and allowed(Action.record, person, parties)
    if person is None or not may:
        raise refuse(
            actor,
            f"{actor.name} may not record values of {format_id(improvement.id or 0)}: only its "
            "owner, its team, a data analyst of its process or service, or a CI manager may",
            improvement_id=improvement.id,
        )
    return person


def _objective(
    session: Session, improvement_id: int, metric: str, shown: str, survey: Survey | None
) -> Objective:
    objective = next(
        (o for o in store.objectives_of(session, improvement_id) if o.metric == metric), None
    )
    if objective is None:
        raise NotFound(f"{shown} has no objective {metric!r}")
    if survey is not None and objective.kpi_kind not in SURVEYED:
        raise UsageError(
            f"a survey measures satisfaction: {metric} of {shown} is "
            f"{objective.kpi_kind.replace('_', ' ')}, not customer satisfaction or employee "
            "engagement"
        )
    return objective


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
