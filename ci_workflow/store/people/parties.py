"""Who many improvements belong to, read in two queries: the gate lists and the watchdog show
hundreds of waiting gates, and one query per improvement made them slow (issue 14). Read through
Core table clauses (``store.gate_tables``), not the SQLModel classes: ``improve gates`` must start
fast."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from ci_workflow.domain.authority.ownership import HANDED_OVER, former_owner_of
from ci_workflow.domain.authority.permissions import Parties
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.store.db import Reader, execute, in_chunks
from ci_workflow.store.gate_tables import audit_event, improvement
from ci_workflow.store.register.register_tables import team_member


def parties_by_id(session: Reader, ids: Iterable[int]) -> dict[int, Parties]:
    """Who each of these improvements belongs to, by id, reading only the columns that name the
    parties: the decision rule is asked of a thousand waiting gates, and whole rows cost most of
    that."""
    found: dict[int, _Named] = {}
    i = improvement.c
    columns = (i.id, i.process, i.owner_id, i.process_owner_id, i.service, i.service_owner_signoff)
    for chunk in in_chunks(sorted(set(ids))):
        query = select(*columns).where(i.id.in_(chunk))
        found.update((row[0], tuple(row[1:])) for row in execute(session, query))
    return _with_teams(session, found)


# The parties an improvement's own row names, before its team and former owners: its process,
# owner, process owner, service, and whether the service owner co-signs.
_Named = tuple[str, int, int, str | None, bool]


def _with_teams(session: Reader, named: dict[int, _Named]) -> dict[int, Parties]:
    teams: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(sorted(named)):
        t = team_member.c
        members = select(t.improvement_id, t.person_id).where(t.improvement_id.in_(chunk))
        for improvement_id, person_id in execute(session, members):
            teams[improvement_id].add(person_id)
    former = former_owners(session, named)
    return {
        key: Parties(
            process,
            owner_id,
            process_owner_id,
            frozenset(teams[key]),
            service,
            cosigned,
            frozenset(former.get(key, ())),
        )
        for key, (process, owner_id, process_owner_id, service, cosigned) in named.items()
    }


def former_owners(session: Reader, ids: Iterable[int]) -> dict[int, set[int]]:
    """Each improvement's owners handed over since its plan first went for approval."""
    found: dict[int, set[int]] = defaultdict(set)
    for chunk in in_chunks(sorted(set(ids))):
        e = audit_event.c
        trail = (
            select(e.improvement_id, e.action, e.detail)
            .where(e.improvement_id.in_(chunk))
            .where((e.action == HANDED_OVER) | (e.to_status == Status.awaiting_approval))
            .order_by(e.at, e.id)
        )
        submitted: set[int] = set()
        for improvement_id, action, detail in execute(session, trail):
            if action != HANDED_OVER:
                submitted.add(improvement_id or 0)
            elif (improvement_id or 0) in submitted and (who := former_owner_of(detail)):
                found[improvement_id or 0].add(who)
    return found
