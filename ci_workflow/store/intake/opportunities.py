"""Reading and writing recorded opportunities."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ci_workflow.errors import NotFound
from ci_workflow.store.tables import Opportunity


def fingerprints(session: Session) -> set[str]:
    return set(session.exec(select(Opportunity.fingerprint)))


def recorded(session: Session, fingerprint: str) -> bool:
    query = select(Opportunity.id).where(Opportunity.fingerprint == fingerprint)
    return session.exec(query).first() is not None


# Expected value, then value; the number only makes the order deterministic.
BEST_FIRST = (
    col(Opportunity.score).desc(),
    col(Opportunity.value_hours).desc(),
    col(Opportunity.id),
)


def open_in_period(session: Session, start: datetime, end: datetime) -> list[Opportunity]:
    """The period's findings not yet accepted or dismissed, best first."""
    query = (
        select(Opportunity)
        .where(
            Opportunity.period_start == start,
            Opportunity.period_end == end,
            Opportunity.status == "new",
        )
        .order_by(*BEST_FIRST)
    )
    return list(session.exec(query))


def get_opportunity(session: Session, number: int) -> Opportunity:
    found = session.get(Opportunity, number)
    if found is None:
        raise NotFound(f"no opportunity {number}")
    return found


def open_opportunities(session: Session) -> list[Opportunity]:
    """Every finding not yet accepted or dismissed, best first."""
    query = select(Opportunity).where(Opportunity.status == "new")
    return list(session.exec(query.order_by(*BEST_FIRST)))
