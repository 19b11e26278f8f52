"""Watching objectives' trends: when one turns off track, the audit trail says so once and its
owner is told; when it comes back on track, the trail says so and whoever was told it was off
track is told it is back. A replay of history (a backfill) audits the same turns and tells
nobody: they are history. An objective left off track by a replay is told of, once, by the
first live capture that still finds it off track."""

from __future__ import annotations

import logging

from sqlmodel import Session

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.formatting import plain, quantity
from ci_workflow.schemas import ProgressPublic
from ci_workflow.services.people import notifications
from ci_workflow.services.views.objective_results import objective_progress
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import last_actions, record_event
from ci_workflow.store.people.notifications import last_told
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import measured_points
from ci_workflow.store.tables import Improvement, Objective

log = logging.getLogger("ci_workflow.capture")

CAPTURED = (Status.executing, Status.in_review)
OFF, OFF_IN_REPLAY, ON = "objective_off_track", "objective_off_track_replay", "objective_on_track"
TRACK_EVENTS = (OFF, OFF_IN_REPLAY, ON)


def watch_tracks(session: Session, improvement_ids: set[int], *, replay: bool = False) -> None:
    """When an objective turns off track, audit it and tell the improvement's owner (once); when
    it comes back, audit it and tell who was told. ``replay``: history, nobody is told.

    Reads everything it needs for all the improvements in four queries: a capture run touches
    hundreds of them.
    """
    improvements = {
        i.id or 0: i for i in store.with_status(session, CAPTURED) if i.id in improvement_ids
    }
    if not improvements:
        return
    objectives = store.objectives_for(session, improvements)
    points = measured_points(session, [o.id or 0 for o in objectives])
    last = last_actions(session, improvements, TRACK_EVENTS)
    people = {p.id: p for p in load_directory(session).people}
    for objective in objectives:
        improvement = improvements[objective.improvement_id]
        measured = [(at, value) for at, value, _ in points[objective.id or 0]]
        now = objective_progress(objective, measured)
        before = last.get((objective.improvement_id, objective.metric))
        said = (OFF, OFF_IN_REPLAY) if replay else (OFF,)  # a replayed one is told live once
        if now.track == "off track" and before not in said:
            _off(session, improvement, objective, now, people.get(improvement.owner_id), replay)
        elif now.track in ("on track", "met") and before in (OFF, OFF_IN_REPLAY):
            event = record_event(
                session,
                improvement_id=improvement.id,
                actor="checkpoints",
                action=ON,
                detail=f"{objective.metric}: back on track ({now.reason})"
                + ("; a replay of history, nobody told" if replay else ""),
            )
            session.flush()  # the event's id, for the notification's key
            if before == OFF and not replay:  # told it was off: told it is back
                key = f"off_track:{improvement.id}:{objective.metric}:"
                told = [
                    p for i in last_told(session, improvement.id or 0, key) if (p := people.get(i))
                ]
                _tell_back(session, improvement, objective, now, told, event.id)


def _off(
    session: Session,
    improvement: Improvement,
    objective: Objective,
    now: ProgressPublic,
    owner: PersonView | None,
    replay: bool,
) -> None:
    """Audit an objective turned off track; tell its owner, unless ``replay``."""
    message = (
        f"{objective.metric}: off track — projected "
        f"{quantity(now.projected_at_due, objective.unit)} at {objective.due} against a "
        f"target of {quantity(objective.target, objective.unit)}; "
        + (
            "a replay of history, nobody told"
            if replay
            else f"owner {owner.name if owner else '?'} told"
        )
    )
    log.warning("%s %s", format_id(improvement.id or 0), message)
    event = record_event(
        session,
        improvement_id=improvement.id,
        actor="checkpoints",
        action=OFF_IN_REPLAY if replay else OFF,
        detail=message,
    )
    session.flush()  # the event's id, for the owner's notification
    if owner is not None and not replay:
        _tell_owner(session, improvement, objective, now, owner, event.id)


def _tell_owner(
    session: Session,
    improvement: Improvement,
    objective: Objective,
    progress: ProgressPublic,
    owner: PersonView,
    event_id: int | None,
) -> None:
    shown, o = format_id(improvement.id or 0), objective
    said = (
        f"{shown} {plain(improvement.title)}: {o.metric} is projected at "
        f"{quantity(progress.projected_at_due, o.unit)} on {o.due}, against a target of "
        f"{quantity(o.target, o.unit)} (latest {quantity(progress.latest, o.unit)})."
    )
    _tell(session, improvement, o, ("off_track", "is off track", said), [owner], event_id)


def _tell_back(
    session: Session,
    improvement: Improvement,
    objective: Objective,
    progress: ProgressPublic,
    people: list[PersonView],
    event_id: int | None,
) -> None:
    shown, o = format_id(improvement.id or 0), objective
    said = (
        f"{shown} {plain(improvement.title)}: {o.metric} is back on track "
        f"({progress.reason}): latest {quantity(progress.latest, o.unit)}, against a target of "
        f"{quantity(o.target, o.unit)} by {o.due}."
    )
    _tell(session, improvement, o, ("on_track", "is back on track", said), people, event_id)


def _tell(
    session: Session,
    improvement: Improvement,
    objective: Objective,
    what: tuple[str, str, str],
    people: list[PersonView],
    event_id: int | None,
) -> None:
    """Queue the e-mail once per track event: ``what`` is its kind, the subject's words after
    the metric, and its body."""
    kind, state, body = what
    shown = format_id(improvement.id or 0)
    notice = notifications.Message(
        kind=kind,
        subject=f"{shown}: {objective.metric} {state}",
        body=body,
        link=get_settings().link(f"/improvements/{shown}#objectives"),
        improvement_id=improvement.id,
    )
    key = f"{kind}:{improvement.id}:{objective.metric}:{event_id}"
    notifications.queue(session, notice, key=key, people=people)
