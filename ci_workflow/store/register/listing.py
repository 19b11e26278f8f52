"""The register as a page: one query for the rows people list (filtered, sorted, paged), its
count, and the orders it sorts by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Numeric, Row, case, cast, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.store.tables import Improvement, Person, PlanAction, TeamMember

_OWNER, _PROCESS_OWNER = aliased(Person), aliased(Person)

REGISTER_COLUMNS = (
    "id",
    "key",
    "title",
    "type",
    "status",
    "process",
    "service",
    "strategic_impact",
    "feasibility",
    "estimated_cost",
    "expected_gain",
    "identified_at",
    "wsjf_business_value",
    "wsjf_time_criticality",
    "wsjf_risk_reduction",
    "wsjf_effort",
    "regressed_at",
)


def register_rows(
    session: Session,
    *,
    status: str | None = None,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    party: int | None = None,
    order: Sequence[Any] = (),
    limit: int | None = None,
    offset: int = 0,
    today: date | None = None,
) -> Sequence[Row[Any]]:
    """The register's columns, the owners' names (``owner``, ``process_owner``) and its plan's
    counts (``plan_counted``: actions not cancelled, ``plan_done``, ``plan_overdue`` and the
    earliest due date among them, ``plan_overdue_since``), one query;
    ``process``, ``service`` and ``owner`` (a name) are matched without regard to case;
    ``party``, a person's id, keeps the improvements they own, are process owner of or work on;
    ``order``, ``limit`` and ``offset`` give one page of it (``register_order``).

    Plain rows rather than ORM objects: listing 10,000 improvements must start fast.
    """
    plan = _plan_counts(today or utcnow().date())
    query = _filtered(
        sa_select(
            *_columns(),
            col(_OWNER.name).label("owner"),
            col(_PROCESS_OWNER.name).label("process_owner"),
            func.coalesce(plan.c.counted, 0).label("plan_counted"),
            func.coalesce(plan.c.done, 0).label("plan_done"),
            func.coalesce(plan.c.overdue, 0).label("plan_overdue"),
            plan.c.overdue_since.label("plan_overdue_since"),
        ),
        status,
        process,
        service,
        owner,
        party,
    ).outerjoin(plan, plan.c.improvement_id == col(Improvement.id))
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()


def _plan_counts(today: date) -> Any:
    """Each improvement's plan actions counted, one grouped pass over the plan table."""
    status, due = col(PlanAction.status), col(PlanAction.due)
    late = (due < today) & status.not_in((ActionStatus.done, ActionStatus.cancelled))
    return (
        sa_select(
            col(PlanAction.improvement_id).label("improvement_id"),
            func.count(case((status != ActionStatus.cancelled, 1))).label("counted"),
            func.count(case((status == ActionStatus.done, 1))).label("done"),
            func.count(case((late, 1))).label("overdue"),
            func.min(case((late, due))).label("overdue_since"),
        )
        .group_by(col(PlanAction.improvement_id))
        .subquery()
    )


def count_register(
    session: Session,
    *,
    status: str | None = None,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    party: int | None = None,
) -> int:
    query = _filtered(sa_select(func.count()), status, process, service, owner, party)
    return int(session.execute(query).scalar_one())


def _columns() -> list[Any]:
    return [getattr(Improvement, name) for name in REGISTER_COLUMNS]


def _filtered(
    query: Any,
    status: str | None,
    process: str | None,
    service: str | None,
    owner: str | None,
    party: int | None = None,
) -> Any:
    query = (
        query.select_from(Improvement)
        .join(_OWNER, col(_OWNER.id) == col(Improvement.owner_id))
        .join(_PROCESS_OWNER, col(_PROCESS_OWNER.id) == col(Improvement.process_owner_id))
    )
    if status:
        query = query.where(col(Improvement.status) == status)
    for column, wanted in (
        (Improvement.process, process),
        (Improvement.service, service),
        (_OWNER.name, owner),
    ):
        if wanted:
            query = query.where(func.lower(column) == wanted.strip().lower())
    if party is not None:
        member = sa_select(col(TeamMember.improvement_id)).where(col(TeamMember.person_id) == party)
        query = query.where(
            (col(Improvement.owner_id) == party)
            | (col(Improvement.process_owner_id) == party)
            | col(Improvement.id).in_(member)
        )
    return query


def register_order(sort: str) -> list[Any]:
    """The register's orders as SQL, the same as ``services.register.browse`` sorts in Python:
    priority (impact × feasibility, then value, then id), WSJF and value (unscored last), id."""
    i = Improvement
    value = func.coalesce(col(i.expected_gain) - col(i.estimated_cost), 0.0)
    has_value = col(i.expected_gain).is_(None) | col(i.estimated_cost).is_(None)
    cost_of_delay = (
        col(i.wsjf_business_value) + col(i.wsjf_time_criticality) + col(i.wsjf_risk_reduction)
    )
    wsjf = func.round(cast(cost_of_delay, Numeric) / func.nullif(col(i.wsjf_effort), 0), 2)
    orders: dict[str, list[Any]] = {
        "priority": [(col(i.strategic_impact) * col(i.feasibility)).desc(), value.desc()],
        "wsjf": [wsjf.is_(None), func.coalesce(wsjf, 0).desc()],
        "value": [has_value, value.desc()],
        "id": [],
    }
    return [*orders[sort], col(i.id)]
