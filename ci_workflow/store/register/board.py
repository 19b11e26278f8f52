"""The board's queries: how many improvements each stage holds, and the cards it shows, in two
queries whatever the register's size.

The cards are ranked within their stage in the database (priority first, as the register sorts)
and cut there; only the kept ones then read, through the indexes on ``improvement_id``, when
they entered their stage (their trail's latest move to it), the gate they wait at and their
overdue plan actions: a board costs what it shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, func, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.store.db import in_chunks
from ci_workflow.store.people.parties import former_owners
from ci_workflow.store.register.listing import register_order
from ci_workflow.store.tables import (
    AuditEvent,
    GateRequest,
    Improvement,
    Person,
    PlanAction,
    TeamMember,
)

_OWNER = aliased(Person)
FINISHED_ACTIONS = (ActionStatus.done, ActionStatus.cancelled)


@dataclass(frozen=True)
class BoardFilter:
    """What the board is narrowed to. ``process``, ``service`` and ``owner`` (a name) match
    without regard to case; ``mine`` (a person's id) keeps what that person owns or is in the
    team of, and the improvements of ``deciding`` (those with a gate the person may decide)."""

    process: str | None = None
    service: str | None = None
    owner: str | None = None
    mine: int | None = None
    deciding: Collection[int] = ()


def stage_counts(
    session: Session, statuses: Sequence[str], narrowed: BoardFilter
) -> dict[str, int]:
    """How many improvements each of ``statuses`` holds (a stage holding none is left out)."""
    query = _filtered(sa_select(col(Improvement.status), func.count()), statuses, narrowed)
    rows = session.execute(query.group_by(col(Improvement.status))).all()
    return {status: int(count) for status, count in rows}


def board_cards(
    session: Session,
    statuses: Sequence[str],
    narrowed: BoardFilter,
    *,
    per_stage: int,
    today: date,
) -> Sequence[Row[Any]]:
    """The first ``per_stage`` improvements of each stage, highest priority first, one query.

    Each row: ``id``, ``title``, ``status``, ``owner`` (a name), ``strategic_impact``,
    ``feasibility``, ``rank`` (1 is the first of its stage), ``entered_at`` (the latest move to
    its status in its trail, or when it was registered if it never moved), ``gate`` and
    ``gate_opened_at`` (the gate it waits at, NULL when none), ``overdue`` (its plan actions due
    before ``today`` and neither done nor cancelled).
    """
    # Each stage's first cards by its own top-N sort (the status index, then a bounded sort):
    # a window ranking over the whole register cost four times as much on SQLite.
    order = register_order("priority", Improvement.__table__.c)  # type: ignore[attr-defined]
    firsts = [
        _filtered(sa_select(col(Improvement.id)), [status], narrowed)
        .order_by(*order)
        .limit(per_stage)
        .subquery()
        for status in statuses
    ]
    kept = union_all(*(sa_select(first.c.id) for first in firsts)).subquery("kept")
    rank = func.row_number().over(partition_by=col(Improvement.status), order_by=order)
    ranked = (
        sa_select(
            col(Improvement.id),
            col(Improvement.title),
            col(Improvement.status),
            col(_OWNER.name).label("owner"),
            col(Improvement.strategic_impact),
            col(Improvement.feasibility),
            col(Improvement.created_at),
            rank.label("rank"),
        )
        .join(kept, kept.c.id == col(Improvement.id))
        .join(_OWNER, col(_OWNER.id) == col(Improvement.owner_id))
        .subquery("ranked")
    )
    card = ranked.c
    query = sa_select(
        card.id,
        card.title,
        card.status,
        card.owner,
        card.strategic_impact,
        card.feasibility,
        card.rank,
        func.coalesce(_entered(card), card.created_at).label("entered_at"),
        _waiting(card.id, col(GateRequest.gate)).label("gate"),
        _waiting(card.id, col(GateRequest.opened_at)).label("gate_opened_at"),
        _overdue(card.id, today).label("overdue"),
    )
    return session.execute(query.order_by(card.status, card.rank)).all()


def waiting_parties(session: Session) -> list[tuple[int, str, Parties]]:
    """Every gate waiting for a decision: its improvement's id, the gate, and who the
    improvement belongs to, in three queries of plain rows ("mine" asks the rule of each;
    ``parties.parties_for`` loads whole improvements, three times as slow for 1,000 gates)."""
    i = Improvement
    rows = session.execute(
        sa_select(
            col(GateRequest.improvement_id),
            col(GateRequest.gate),
            *(col(i.process), col(i.owner_id), col(i.process_owner_id)),
            *(col(i.service), col(i.service_owner_signoff)),
        )
        .join(i, col(i.id) == col(GateRequest.improvement_id))
        .where(col(GateRequest.closed_at).is_(None))
    ).all()
    ids = sorted({row.improvement_id for row in rows})
    teams: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(ids):
        members = sa_select(col(TeamMember.improvement_id), col(TeamMember.person_id))
        for improvement_id, person_id in session.execute(
            members.where(col(TeamMember.improvement_id).in_(chunk))
        ):
            teams[improvement_id].add(person_id)
    former = former_owners(session, ids)
    return [
        (
            row.improvement_id,
            row.gate,
            Parties(
                row.process,
                row.owner_id,
                row.process_owner_id,
                frozenset(teams[row.improvement_id]),
                row.service,
                row.service_owner_signoff,
                frozenset(former.get(row.improvement_id, ())),
            ),
        )
        for row in rows
    ]


def _entered(card: Any) -> Any:
    """When the card's improvement last moved to the status it has."""
    return (
        sa_select(func.max(col(AuditEvent.at)))
        .where(col(AuditEvent.improvement_id) == card.id)
        .where(col(AuditEvent.action) == "status_changed")
        .where(col(AuditEvent.to_status) == card.status)
        .scalar_subquery()
    )


def _overdue(improvement_id: Any, today: date) -> Any:
    return (
        sa_select(func.count())
        .select_from(PlanAction)
        .where(col(PlanAction.improvement_id) == improvement_id)
        .where(col(PlanAction.due) < today)
        .where(col(PlanAction.status).not_in(FINISHED_ACTIONS))
        .scalar_subquery()
    )


def _waiting(improvement_id: Any, column: Any) -> Any:
    """A column of the gate the improvement waits at (the latest opened, should there be two)."""
    return (
        sa_select(column)
        .where(col(GateRequest.improvement_id) == improvement_id)
        .where(col(GateRequest.closed_at).is_(None))
        .order_by(col(GateRequest.opened_at).desc(), col(GateRequest.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def _filtered(query: Any, statuses: Sequence[str], narrowed: BoardFilter) -> Any:
    query = (
        query.select_from(Improvement)
        .join(_OWNER, col(_OWNER.id) == col(Improvement.owner_id))
        .where(col(Improvement.status).in_(tuple(statuses)))
    )
    for column, wanted in (
        (Improvement.process, narrowed.process),
        (Improvement.service, narrowed.service),
        (_OWNER.name, narrowed.owner),
    ):
        if wanted:
            query = query.where(func.lower(column) == wanted.strip().lower())
    if narrowed.mine is not None:
        in_team = exists().where(
            col(TeamMember.improvement_id) == col(Improvement.id),
            col(TeamMember.person_id) == narrowed.mine,
        )
        either = [col(Improvement.owner_id) == narrowed.mine, in_team]
        if narrowed.deciding:
            either.append(col(Improvement.id).in_(sorted(narrowed.deciding)))
        query = query.where(or_(*either))
    return query
