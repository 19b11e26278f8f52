"""Reading and writing improvements, their objectives, plan and team; and status changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id, looks_like_id, parse_id
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status, check_transition
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.errors import ImprovementNotFound
from ci_workflow.store.audit import record_event
from ci_workflow.store.people.parties import former_owners
from ci_workflow.store.tables import (
    GateDecision,
    Improvement,
    Objective,
    Person,
    PlanAction,
    TeamMember,
)


def find_by_key(session: Session, key: str) -> Improvement | None:
    return session.exec(select(Improvement).where(Improvement.key == key)).first()


def get_improvement(session: Session, ref: str) -> Improvement:
    """By id (``IMP-0001``, ``1``) or by the key of its file."""
    found = (
        session.get(Improvement, parse_id(ref)) if looks_like_id(ref) else find_by_key(session, ref)
    )
    if found is None:
        raise ImprovementNotFound(f"no improvement {ref!r} in the register")
    return found


def change_status(
    session: Session,
    improvement: Improvement,
    target: Status,
    *,
    actor: str,
    reason: str,
    channel: str | None = None,
    principal: str | None = None,
) -> Improvement:
    """The one way a status changes: checked against the model, stamped, and audited."""
    previous = improvement.status
    check_transition(previous, target)
    now = utcnow()
    improvement.status = target
    improvement.updated_at = now
    if target == Status.approved:
        improvement.approved_at = now
    elif target == Status.executing and improvement.started_at is None:
        improvement.started_at = now
    elif target in (Status.closed, Status.rejected, Status.withdrawn):
        improvement.completed_at = now
    session.add(improvement)
    record_event(
        session,
        improvement_id=improvement.id,
        actor=actor,
        action="status_changed",
        from_status=previous,
        to_status=target,
        detail=reason,
        channel=channel,
        principal=principal,
        at=now,  # the trail's time of a move to executing is its start (``execution_start``)
    )
    return improvement


def with_status(session: Session, statuses: Iterable[str]) -> list[Improvement]:
    query = select(Improvement).where(col(Improvement.status).in_(tuple(statuses)))
    return list(session.exec(query.order_by(col(Improvement.id))))


def titles_and_statuses(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(title, status) of these improvements, by id: what a list naming them needs."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(Improvement.id, Improvement.title, Improvement.status).where(
        col(Improvement.id).in_(wanted)
    )
    return {i or 0: (title, status) for i, title, status in session.exec(query)}


def all_improvements(session: Session) -> list[Improvement]:
    return list(session.exec(select(Improvement).order_by(col(Improvement.id))))


# id, status, identified_at, completed_at, realised_gain, actual_cost
FactRow = tuple[int | None, str, datetime, datetime | None, float | None, float | None]


def fact_rows(session: Session) -> list[FactRow]:
    """Every improvement's id, status, dates, realised gain and actual cost, by id: what the
    practice's summary KPIs read of each, without loading whole improvements."""
    query = sa_select(
        col(Improvement.id),
        col(Improvement.status),
        col(Improvement.identified_at),
        col(Improvement.completed_at),
        col(Improvement.realised_gain),
        col(Improvement.actual_cost),
    ).order_by(col(Improvement.id))
    return list(session.execute(query))


def closed_between(session: Session, start: datetime, end: datetime) -> list[Improvement]:
    """Improvements closed in (start, end], in the order they closed."""
    query = (
        select(Improvement)
        .where(
            Improvement.status == Status.closed,
            col(Improvement.completed_at) > start,
            col(Improvement.completed_at) <= end,
        )
        .order_by(col(Improvement.completed_at))
    )
    return list(session.exec(query))


def latest_due_dates(session: Session) -> dict[int, date]:
    """Each improvement's latest objective due date."""
    dues: dict[int, date] = {}
    query = select(col(Objective.improvement_id), col(Objective.due)).where(
        col(Objective.retired_at).is_(None)
    )
    for improvement_id, due in session.exec(query):
        dues[improvement_id] = max(due, dues.get(improvement_id, due))
    return dues


def parties_of(session: Session, improvement: Improvement) -> Parties:
    """Who an improvement belongs to: its process, owner, process owner, team and service."""
    assert improvement.id is not None
    team = frozenset(p.id for p in team_of(session, improvement.id) if p.id is not None)
    return Parties(
        improvement.process,
        improvement.owner_id,
        improvement.process_owner_id,
        team,
        improvement.service,
        improvement.service_owner_signoff,
        frozenset(former_owners(session, [improvement.id]).get(improvement.id, ())),
    )


def objectives_of(
    session: Session, improvement_id: int, *, retired: bool = False
) -> list[Objective]:
    """The objectives in force; with ``retired``, also those a file dropped (their history)."""
    query = select(Objective).where(Objective.improvement_id == improvement_id)
    if not retired:
        query = query.where(col(Objective.retired_at).is_(None))
    return list(session.exec(query.order_by(col(Objective.position))))


def objectives_for(session: Session, improvement_ids: Iterable[int]) -> list[Objective]:
    """The objectives of several improvements, by improvement and position."""
    query = (
        select(Objective)
        .where(col(Objective.improvement_id).in_(set(improvement_ids)))
        .where(col(Objective.retired_at).is_(None))
        .order_by(col(Objective.improvement_id), col(Objective.position))
    )
    return list(session.exec(query))


def input_metrics(
    session: Session, improvement_ids: Iterable[int]
) -> dict[tuple[int, str], str | None]:
    """The input metric of each objective in force of these improvements, by improvement and
    metric (None: the objective measures an outcome)."""
    query = select(Objective.improvement_id, Objective.metric, Objective.input_metric).where(
        col(Objective.improvement_id).in_(set(improvement_ids)), col(Objective.retired_at).is_(None)
    )
    return {(i, metric): used for i, metric, used in session.exec(query)}


def plan_of(session: Session, improvement_id: int) -> list[PlanAction]:
    query = (
        select(PlanAction)
        .where(PlanAction.improvement_id == improvement_id)
        .order_by(col(PlanAction.position))
    )
    return list(session.exec(query))


def team_of(session: Session, improvement_id: int) -> list[Person]:
    query = (
        select(Person)
        .join(TeamMember, col(TeamMember.person_id) == col(Person.id))
        .where(TeamMember.improvement_id == improvement_id)
        .order_by(col(Person.name))
    )
    return list(session.exec(query))


def decisions_of(session: Session, improvement_id: int) -> list[GateDecision]:
    query = (
        select(GateDecision)
        .where(GateDecision.improvement_id == improvement_id)
        .order_by(col(GateDecision.decided_at), col(GateDecision.id))
    )
    return list(session.exec(query))


def of_person(session: Session, person_id: int) -> list[Improvement]:
    """Improvements a person owns, is process owner of, or works on, newest first."""
    member = select(TeamMember.improvement_id).where(TeamMember.person_id == person_id)
    query = select(Improvement).where(
        (col(Improvement.owner_id) == person_id)
        | (col(Improvement.process_owner_id) == person_id)
        | col(Improvement.id).in_(member)
    )
    return list(session.exec(query.order_by(col(Improvement.id).desc())))


def actions_of(session: Session, person_id: int, statuses: Iterable[str]) -> list[PlanAction]:
    """A person's plan actions in these statuses, by due date (undated last)."""
    query = select(PlanAction).where(
        PlanAction.owner_id == person_id, col(PlanAction.status).in_(tuple(statuses))
    )
    return sorted(session.exec(query), key=lambda a: (a.due is None, a.due, a.id))


def display_id(improvement: Improvement) -> str:
    assert improvement.id is not None, "only stored improvements have an id"
    return format_id(improvement.id)


def overdue_unreminded(
    session: Session, *, today: date, limit: int
) -> list[tuple[PlanAction, Improvement]]:
    """Plan actions overdue on ``today`` whose reminder for their due date is not sent yet,
    the longest overdue first, at most ``limit``; locked until the transaction ends (on
    PostgreSQL a second reminder run skips them rather than telling twice)."""
    query = (
        select(PlanAction, Improvement)
        .join(Improvement, col(Improvement.id) == col(PlanAction.improvement_id))
        .where(col(PlanAction.due) < today)
        .where(col(PlanAction.status).not_in((ActionStatus.done, ActionStatus.cancelled)))
        .where(col(Improvement.status).not_in(TERMINAL))
        .where(
            col(PlanAction.reminded_due).is_(None)
            | (col(PlanAction.reminded_due) != col(PlanAction.due))
        )
        .order_by(col(PlanAction.due), col(PlanAction.id))
        .limit(limit)
        .with_for_update(of=PlanAction, skip_locked=True)
    )
    return [(action, improvement) for action, improvement in session.exec(query)]
