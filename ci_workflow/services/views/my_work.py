"""One person's work in the practice: the gates waiting for their decision, their improvements,
their open plan actions (overdue first; none of a closed, rejected or withdrawn improvement), and
the objectives off track of the improvements they own."""

from __future__ import annotations

from sqlmodel import col

from ci_workflow.domain.authority.gate_reach import gate_reach
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.plan_tasks import overdue_days, overdue_words
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.schemas import ActionDue, MyWork, OffTrack
from ci_workflow.services.views import register_summary
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.services.views.shapes import decidable_by, pending_for
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import requests_by_id, waiting_gates
from ci_workflow.store.register import improvements as store
from ci_workflow.store.register import listing
from ci_workflow.store.snapshots import measured_improvements
from ci_workflow.store.tables import Improvement, PlanAction

OPEN_ACTIONS = (ActionStatus.planned, ActionStatus.in_progress)
# Gates and improvements listed at most; the page says how many there are and where the rest are.
SHOWN = 50
WATCHED = (Status.executing, Status.in_review)


def my_work(person: PersonView) -> MyWork:
    """What the page shows and no more: the oldest ``SHOWN`` gates and newest ``SHOWN``
    improvements with how many there are, the open actions, and the off-track objectives of the
    improvements that have measurements (without, none can be off track)."""
    with transaction(write=False) as session:
        # Only the gates this person could decide are read, then the rule is asked of each.
        mine = decidable_by(session, person, waiting_gates(session, gate_reach(person)))
        shown = requests_by_id(session, [m.request_id for m in mine[:SHOWN]])
        gates = pending_for(session, shown)  # oldest first, as stored
        rows = listing.register_rows(
            session, party=person.id, order=[col(Improvement.id).desc()], limit=SHOWN
        )
        count = listing.count_register(session, party=person.id)
        actions = store.actions_of(session, person.id, OPEN_ACTIONS)
        measured = measured_improvements(session, person.id, WATCHED)
        tracks = progress_of(session, measured)
        titles = store.titles_and_statuses(
            session, {a.improvement_id for a in actions} | set(measured)
        )
    return MyWork(
        person=person.name,
        gates=gates,
        gates_total=len(mine),
        improvements=[register_summary(r) for r in rows],
        improvements_total=count,
        actions=_overdue_first(
            [
                _due(a, *titles[a.improvement_id])
                for a in actions
                if titles[a.improvement_id][1] not in TERMINAL
            ]
        ),
        off_track=[
            OffTrack(
                improvement=format_id(i),
                title=titles[i][0],
                metric=p.metric,
                unit=p.unit,
                latest=p.latest,
                projected_at_due=p.projected_at_due,
                target=p.target,
                due=p.due,
            )
            for i in measured
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
