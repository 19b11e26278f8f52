"""The board's queries: how many improvements each stage holds, and the cards it shows, in two
queries whatever the register's size.

The cards are ranked within their stage in the database (priority first, as the register sorts)
and cut there; only the kept ones then read, through the indexes on ``improvement_id``, when
they entered their stage (their trail's latest move to it), the gate they wait at and their
overdue plan actions: a board costs what it shows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.store.listing import register_order
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
    rank = func.row_number().over(
        partition_by=col(Improvement.status), order_by=register_order("priority")
    )
    ranked = _filtered(
        sa_select(
            col(Improvement.id),
            col(Improvement.title),
            col(Improvement.status),
            col(_OWNER.name).label("owner"),
            col(Improvement.strategic_impact),
            col(Improvement.feasibility),
            col(Improvement.created_at),
            rank.label("rank"),
        ),
        statuses,
        narrowed,
    ).subquery("ranked")
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
    ).where(card.rank <= per_stage)
    return session.execute(query.order_by(card.status, card.rank)).all()


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
