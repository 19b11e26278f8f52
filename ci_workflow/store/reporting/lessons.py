"""Reading closed improvements for what they can teach: their texts and plans (to find those like
a new one), their most recent lessons, and the improvements themselves for their results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.store.tables import Improvement, PlanAction

TEXT_COLUMNS = (
    "id",
    "title",
    "process",
    "service",
    "vision",
    "description",
    "lessons_learned",
    "completed_at",
)


def closed_texts(
    session: Session, *, process: str | None = None, service: str | None = None
) -> Sequence[Row[Any]]:
    """Every closed improvement's texts (``TEXT_COLUMNS``), of one process or service if given
    (matched without regard to case). Plain rows: thousands are read for each search."""
    query = sa_select(*(getattr(Improvement, name) for name in TEXT_COLUMNS))
    return session.execute(_closed(query, process, service)).all()


def closed_plans(
    session: Session, *, process: str | None = None, service: str | None = None
) -> dict[int, list[str]]:
    """The plan actions' texts of the same closed improvements, in plan order."""
    query = sa_select(col(PlanAction.improvement_id), col(PlanAction.action)).join(
        Improvement, col(Improvement.id) == col(PlanAction.improvement_id)
    )
    query = _closed(query, process, service).order_by(
        col(PlanAction.improvement_id), col(PlanAction.position)
    )
    plans: dict[int, list[str]] = {}
    for improvement_id, action in session.execute(query):
        plans.setdefault(improvement_id, []).append(action)
    return plans


def recent_lessons(
    session: Session, *, process: str | None = None, service: str | None = None, limit: int
) -> Sequence[Row[Any]]:
    """The texts of the ``limit`` improvements closed most recently with lessons recorded."""
    query = sa_select(*(getattr(Improvement, name) for name in TEXT_COLUMNS))
    query = _closed(query, process, service).where(
        func.length(func.trim(col(Improvement.lessons_learned))) > 0
    )
    query = query.order_by(col(Improvement.completed_at).desc(), col(Improvement.id).desc())
    return session.execute(query.limit(limit)).all()


def count_closed(
    session: Session, *, process: str | None = None, service: str | None = None
) -> int:
    query = _closed(sa_select(func.count()).select_from(Improvement), process, service)
    return int(session.execute(query).scalar_one())


def with_ids(session: Session, improvement_ids: Iterable[int]) -> list[Improvement]:
    query = select(Improvement).where(col(Improvement.id).in_(set(improvement_ids)))
    return list(session.exec(query))


def _closed(query: Any, process: str | None, service: str | None) -> Any:
    query = query.where(col(Improvement.status) == Status.closed)
    for column, wanted in ((Improvement.process, process), (Improvement.service, service)):
        if wanted:
            query = query.where(func.lower(column) == wanted.strip().lower())
    return query


def closed_version(session: Session) -> tuple[Any, ...]:
    """A few numbers that move whenever ``closed_texts`` or ``closed_plans`` would read
    otherwise: how many improvements are closed and their latest update (closing one, or
    applying a change to one, sets it), and how many plan actions there are and the newest
    (a plan applied again replaces its actions)."""
    closed = _closed(
        sa_select(func.count(), func.max(col(Improvement.updated_at))).select_from(Improvement),
        None,
        None,
    )
    plans = sa_select(func.count(), func.max(col(PlanAction.id))).select_from(PlanAction)
    return (*session.execute(closed).one(), *session.execute(plans).one())
