"""Who many improvements belong to, read in two queries: the gate lists and the watchdog show
hundreds of waiting gates, and one query per improvement made them slow (issue 14)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ci_workflow.domain.authority.ownership import HANDED_OVER, former_owner_of
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.store.db import in_chunks
from ci_workflow.store.tables import AuditEvent, Improvement, TeamMember


def improvements_by_id(session: Session, ids: Iterable[int]) -> dict[int, Improvement]:
    found: dict[int, Improvement] = {}
    for chunk in in_chunks(sorted(set(ids))):
        query = select(Improvement).where(col(Improvement.id).in_(chunk))
        found.update((i.id or 0, i) for i in session.exec(query))
    return found


def parties_for(session: Session, improvements: Iterable[Improvement]) -> dict[int, Parties]:
    """``store.register.improvements.parties_of`` for many improvements at once, by improvement
    id."""
    return _with_teams(session, {i.id or 0: _Named(*_named_columns(i)) for i in improvements})


def parties_by_id(session: Session, ids: Iterable[int]) -> dict[int, Parties]:
    """``parties_for`` from the ids alone, reading only the columns that name the parties: the
    decision rule is asked of a thousand waiting gates, and whole rows cost most of that."""
    found: dict[int, _Named] = {}
    columns = (
        col(Improvement.id),
        col(Improvement.process),
        col(Improvement.owner_id),
        col(Improvement.process_owner_id),
        col(Improvement.service),
        col(Improvement.service_owner_signoff),
    )
    for chunk in in_chunks(sorted(set(ids))):
        query = sa_select(*columns).where(col(Improvement.id).in_(chunk))
        found.update((row[0], _Named(*row[1:])) for row in session.execute(query))
    return _with_teams(session, found)


@dataclass(frozen=True)
class _Named:
    """The parties an improvement's own row names, before its team and former owners."""

    process: str
    owner_id: int
    process_owner_id: int
    service: str | None
    cosigned: bool


def _named_columns(i: Improvement) -> tuple[str, int, int, str | None, bool]:
    return i.process, i.owner_id, i.process_owner_id, i.service, i.service_owner_signoff


def _with_teams(session: Session, named: dict[int, _Named]) -> dict[int, Parties]:
    teams: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(sorted(named)):
        members = select(TeamMember.improvement_id, TeamMember.person_id).where(
            col(TeamMember.improvement_id).in_(chunk)
        )
        for improvement_id, person_id in session.exec(members):
            teams[improvement_id].add(person_id)
    former = former_owners(session, named)
    return {
        key: Parties(
            n.process,
            n.owner_id,
            n.process_owner_id,
            frozenset(teams[key]),
            n.service,
            n.cosigned,
            frozenset(former.get(key, ())),
        )
        for key, n in named.items()
    }


def former_owners(session: Session, ids: Iterable[int]) -> dict[int, set[int]]:
    """Each improvement's owners handed over since its plan first went for approval."""
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(sorted(set(ids))):
        trail = (
            select(AuditEvent.improvement_id, AuditEvent.action, AuditEvent.detail)
            .where(col(AuditEvent.improvement_id).in_(chunk))
            .where(
                (col(AuditEvent.action) == HANDED_OVER)
                | (col(AuditEvent.to_status) == Status.awaiting_approval)
            )
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
        submitted: set[int] = set()
        for improvement_id, action, detail in session.exec(trail):
            if action != HANDED_OVER:
                submitted.add(improvement_id or 0)
            elif (improvement_id or 0) in submitted and (who := former_owner_of(detail)):
                found[improvement_id or 0].add(who)
    return found
