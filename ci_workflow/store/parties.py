"""Who many improvements belong to, read in two queries: the gate lists and the watchdog show
hundreds of waiting gates, and one query per improvement made them slow (issue 14)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ci_workflow.domain.permissions import Parties
from ci_workflow.store.db import in_chunks
from ci_workflow.store.tables import Improvement, TeamMember


def improvements_by_id(session: Session, ids: Iterable[int]) -> dict[int, Improvement]:
    found: dict[int, Improvement] = {}
    for chunk in in_chunks(sorted(set(ids))):
        query = select(Improvement).where(col(Improvement.id).in_(chunk))
        found.update((i.id or 0, i) for i in session.exec(query))
    return found


def parties_for(session: Session, improvements: Iterable[Improvement]) -> dict[int, Parties]:
    """``store.improvements.parties_of`` for many improvements at once, by improvement id."""
    by_id = {i.id or 0: i for i in improvements}
    teams: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(sorted(by_id)):
        members = select(TeamMember.improvement_id, TeamMember.person_id).where(
            col(TeamMember.improvement_id).in_(chunk)
        )
        for improvement_id, person_id in session.exec(members):
            teams[improvement_id].add(person_id)
    return {
        key: Parties(
            i.process,
            i.owner_id,
            i.process_owner_id,
            frozenset(teams[key]),
            i.service,
            i.service_owner_signoff,
        )
        for key, i in by_id.items()
    }
