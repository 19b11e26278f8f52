"""The register as a page: one query for the rows people list (filtered, sorted, paged), its
count, and the orders it sorts by. Read through Core table clauses (``register_tables``), not
the SQLModel classes: ``improve list`` must start fast."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Numeric, Row, case, cast, func
from sqlalchemy import select as sa_select

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.vocabulary import ActionStatus
from ci_workflow.store.db import Reader
from ci_workflow.store.register.register_tables import (
    improvement,
    person,
    plan_action,
    team_member,
)

_OWNER, _PROCESS_OWNER = person.alias("owner_person"), person.alias("process_owner_person")

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
    session: Reader,
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
            _OWNER.c.name.label("owner"),
            _PROCESS_OWNER.c.name.label("process_owner"),
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
    ).outerjoin(plan, plan.c.improvement_id == improvement.c.id)
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()


def _plan_counts(today: date) -> Any:
    """Each improvement's plan actions counted, one grouped pass over the plan table."""
    status, due = plan_action.c.status, plan_action.c.due
    late = (due < today) & status.not_in((ActionStatus.done, ActionStatus.cancelled))
    return (
        sa_select(
            plan_action.c.improvement_id.label("improvement_id"),
            func.count(case((status != ActionStatus.cancelled, 1))).label("counted"),
            func.count(case((status == ActionStatus.done, 1))).label("done"),
            func.count(case((late, 1))).label("overdue"),
            func.min(case((late, due))).label("overdue_since"),
        )
        .group_by(plan_action.c.improvement_id)
        .subquery()
    )


def count_register(
    session: Reader,
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
    return [improvement.c[name] for name in REGISTER_COLUMNS]


def _filtered(
    query: Any,
    status: str | None,
    process: str | None,
    service: str | None,
    owner: str | None,
    party: int | None = None,
) -> Any:
    i = improvement.c
    query = (
        query.select_from(improvement)
        .join(_OWNER, _OWNER.c.id == i.owner_id)
        .join(_PROCESS_OWNER, _PROCESS_OWNER.c.id == i.process_owner_id)
    )
    if status:
        query = query.where(i.status == status)
    for column, wanted in ((i.process, process), (i.service, service), (_OWNER.c.name, owner)):
        if wanted:
            query = query.where(func.lower(column) == wanted.strip().lower())
    if party is not None:
        member = sa_select(team_member.c.improvement_id).where(team_member.c.person_id == party)
        query = query.where(
            (i.owner_id == party) | (i.process_owner_id == party) | i.id.in_(member)
        )
    return query


def register_order(sort: str, columns: Any = improvement.c) -> list[Any]:
    """The register's orders as SQL, the same as ``services.register.browse`` sorts in Python:
    priority (impact × feasibility, then value, then id), WSJF and value (unscored last), id;
    over ``columns``, the improvement table's in the query (an ORM query passes its own)."""
    i = columns
    value = func.coalesce(i.expected_gain - i.estimated_cost, 0.0)
    has_value = i.expected_gain.is_(None) | i.estimated_cost.is_(None)
    cost_of_delay = i.wsjf_business_value + i.wsjf_time_criticality + i.wsjf_risk_reduction
    wsjf = func.round(cast(cost_of_delay, Numeric) / func.nullif(i.wsjf_effort, 0), 2)
    orders: dict[str, list[Any]] = {
        "priority": [(i.strategic_impact * i.feasibility).desc(), value.desc()],
        "wsjf": [wsjf.is_(None), func.coalesce(wsjf, 0).desc()],
        "value": [has_value, value.desc()],
        "id": [],
    }
    return [*orders[sort], i.id]
