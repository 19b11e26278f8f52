"""One person's work in the practice: the gates waiting for their decision, their improvements,
their open plan actions, and the objectives off track of the improvements they own."""

from __future__ import annotations

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.schemas import ActionDue, MyWork, OffTrack
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.services.views.shapes import pending_for, register_summary
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from ci_workflow.store.register import improvements as store
from ci_workflow.store.register import listing

OPEN_ACTIONS = (ActionStatus.planned, ActionStatus.in_progress)
WATCHED = (Status.executing, Status.in_review)


def my_work(person: PersonView) -> MyWork:
    with transaction(write=False) as session:
        gates = pending_for(session, open_requests(session))
        mine = store.of_person(session, person.id)
        rows = {r.id: r for r in listing.register_rows(session)}
        actions = store.actions_of(session, person.id, OPEN_ACTIONS)
        titles = {i.id: i.title for i in store.all_improvements(session)} if actions else {}
        owned = [i.id or 0 for i in mine if i.owner_id == person.id and i.status in WATCHED]
        tracks = progress_of(session, owned)
    by_id = {i.id or 0: i for i in mine}
    return MyWork(
        person=person.name,
        gates=[g for g in gates if person.name in g.deciders],  # oldest first, as stored
        improvements=[register_summary(rows[i.id]) for i in mine if i.id in rows],
        actions=[
            ActionDue(
                improvement=format_id(a.improvement_id),
                title=titles[a.improvement_id],
                position=a.position,
                action=a.action,
                due=a.due,
                status=a.status,
            )
            for a in actions
        ],
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
