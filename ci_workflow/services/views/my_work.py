"""One person's work in the practice: the gates waiting for their decision, their improvements,
their open plan actions (overdue first; none of a closed, rejected or withdrawn improvement), and
the objectives off track of the improvements they own."""

from __future__ import annotations

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.plan_tasks import overdue_days, overdue_words
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.schemas import ActionDue, MyWork, OffTrack
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.services.views.shapes import pending_for, register_summary
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.register import improvements as store
from ci_workflow.store.register import listing
from ci_workflow.store.tables import PlanAction

OPEN_ACTIONS = (ActionStatus.planned, ActionStatus.in_progress)
WATCHED = (Status.executing, Status.in_review)


def my_work(person: PersonView) -> MyWork:
    with transaction(write=False) as session:
        gates = pending_for(session, open_requests(session))
        mine = store.of_person(session, person.id)
        rows = {r.id: r for r in listing.register_rows(session)}
        actions = store.actions_of(session, person.id, OPEN_ACTIONS)
        of = {i.id: i for i in store.all_improvements(session)} if actions else {}
        owned = [i.id or 0 for i in mine if i.owner_id == person.id and i.status in WATCHED]
        tracks = progress_of(session, owned)
    by_id = {i.id or 0: i for i in mine}
    return MyWork(
        person=person.name,
        gates=[g for g in gates if person.name in g.deciders],  # oldest first, as stored
        improvements=[register_summary(rows[i.id]) for i in mine if i.id in rows],
        actions=_overdue_first(
            [
                _due(a, of[a.improvement_id].title, of[a.improvement_id].status)
                for a in actions
                if of[a.improvement_id].status not in TERMINAL
            ]
        ),
        off_track=[
            OffTrack(
                improvement=format_id(i),
                title=by_id[i].title,
                metric=p.metric,
                unit=p.unit,
                latest=p.latest,
                projected_at_due=p.projected_at_due,
                target=p.target,
                due=p.due,
            )
            for i in owned
            for p in tracks[i]
            if p.track == "off track"
        ],
    )


def _due(action: PlanAction, title: str, improvement_status: str) -> ActionDue:
    late = overdue_days(action.due, action.status, improvement_status, utcnow().date())
    return ActionDue(
        improvement=format_id(action.improvement_id),
        title=title,
        position=action.position,
        action=action.action,
        due=action.due,
        status=action.status,
        overdue_days=late,
        overdue=overdue_words(late),
    )


def _overdue_first(actions: list[ActionDue]) -> list[ActionDue]:
    """The most overdue first; then the others by due date (undated last), as stored."""
    return sorted(actions, key=lambda a: -a.overdue_days)
