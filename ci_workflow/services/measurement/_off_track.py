"""Watching objectives' trends: when one turns off track, the audit trail says so once."""

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
from ci_workflow.store.people.people import load_directory
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import measured_points
from ci_workflow.store.tables import Improvement, Objective

log = logging.getLogger("ci_workflow.capture")

CAPTURED = (Status.executing, Status.in_review)
TRACK_EVENTS = ("objective_off_track", "objective_on_track")


def watch_tracks(session: Session, improvement_ids: set[int]) -> None:
    """When an objective turns off track, audit it and tell the improvement's owner (once).

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
    directory = load_directory(session)
    owners = {p.id: p for p in directory.people}
    for objective in objectives:
        improvement_id = objective.improvement_id
        measured = [(at, value) for at, value, _ in points[objective.id or 0]]
        now = objective_progress(objective, measured)
        before = last.get((improvement_id, objective.metric))
        if now.track == "off track" and before != "objective_off_track":
            owner = owners.get(improvements[improvement_id].owner_id)
            message = (
                f"{objective.metric}: off track — projected "
                f"{quantity(now.projected_at_due, objective.unit)} at {objective.due} against a "
                f"target of {quantity(objective.target, objective.unit)}; owner "
                f"{owner.name if owner else '?'} told"
            )
            log.warning("%s %s", format_id(improvement_id), message)
            event = record_event(
                session,
                improvement_id=improvement_id,
                actor="checkpoints",
                action="objective_off_track",
                detail=message,
            )
            session.flush()  # the event's id, for the owner's notification
            if owner is not None:
                _tell_owner(session, improvements[improvement_id], objective, now, owner, event.id)
        elif now.track in ("on track", "met") and before == "objective_off_track":
            message = f"{objective.metric}: back on track ({now.reason})"
            record_event(
                session,
                improvement_id=improvement_id,
                actor="checkpoints",
                action="objective_on_track",
                detail=message,
            )


def _tell_owner(
    session: Session,
    improvement: Improvement,
    objective: Objective,
    progress: ProgressPublic,
    owner: PersonView,
    event_id: int | None,
) -> None:
    shown = format_id(improvement.id or 0)
    notice = notifications.Message(
        kind="off_track",
        subject=f"{shown}: {objective.metric} is off track",
        body=f"{shown} {plain(improvement.title)}: {objective.metric} is projected at "
        f"{quantity(progress.projected_at_due, objective.unit)} on {objective.due}, against a "
        f"target of {quantity(objective.target, objective.unit)} "
        f"(latest {quantity(progress.latest, objective.unit)}).",
        link=get_settings().link(f"/improvements/{shown}#objectives"),
        improvement_id=improvement.id,
    )
    key = f"off_track:{improvement.id}:{objective.metric}:{event_id}"
    notifications.queue(session, notice, key=key, people=[owner])
