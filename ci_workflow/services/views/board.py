"""The board: the register by stage, each stage with how many it holds and its cards, the
highest priority first; narrowed by process, service, owner, or to what is mine (what I own,
what I am in the team of, and what waits at a gate I may decide)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.priority import priority
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.schemas import Board, BoardCard, BoardColumn
from ci_workflow.services.views.objective_results import progress_of
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register.board import BoardFilter, board_cards, stage_counts, waiting_parties
from ci_workflow.store.reporting.practice import data_version

S = Status
ENDED = (S.withdrawn, S.rejected)  # shown only when asked for
# The stages in the order an improvement passes them, as ``Status`` lists them.
STAGES = tuple(status for status in Status if status not in ENDED)
# Stages whose objectives are measured on the improvement's cadence: before them there is
# nothing to be off track yet, after them sustainment says whether the gain held.
MEASURED = (S.executing, S.in_review)
PER_COLUMN = 50
KEPT = 64  # boards kept at once (each filter, "mine" of each person)

_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], tuple[dict[str, int], Sequence[Row[Any]]]] = OrderedDict()


def board(
    person: PersonView,
    *,
    process: str | None = None,
    service: str | None = None,
    owner: str | None = None,
    mine: bool = False,
    ended: bool = False,
    per_column: int = PER_COLUMN,
) -> Board:
    """The board as ``person`` sees it (anyone signed in sees the whole register)."""
    statuses = [*STAGES, *(ENDED if ended else ())]
    now = utcnow()
    with transaction(write=False) as session:
        narrowed = BoardFilter(
            process=process,
            service=service,
            owner=owner,
            mine=person.id if mine else None,
            deciding=deciding(session, person) if mine else (),
        )
        counts, rows = _stages(session, statuses, narrowed, per_column, now.date())
        # Progress reads every measurement of the objectives it is given: for the cards shown
        # and measured only, never for the whole register.
        tracks = progress_of(session, [r.id for r in rows if r.status in MEASURED])
    off_track = {i: sum(p.track == "off track" for p in found) for i, found in tracks.items()}
    cards: dict[str, list[BoardCard]] = {status: [] for status in statuses}
    for row in rows:
        cards[row.status].append(_card(row, now, off_track.get(row.id)))
    columns = [
        BoardColumn(
            status=status,
            count=counts.get(status, 0),
            cards=cards[status],
            more=counts.get(status, 0) - len(cards[status]),
        )
        for status in statuses
    ]
    return Board(per_column=per_column, columns=columns)


def _stages(
    session: Session, statuses: list[str], narrowed: BoardFilter, per_column: int, today: date
) -> tuple[dict[str, int], Sequence[Row[Any]]]:
    """Each stage's count and its first cards, kept while the register stays the same (its data
    version, as the practice page's figures) on the same day: twenty people opening the board
    read it once. How long each card has waited is reckoned from the clock on each request."""
    key = (
        str(session.get_bind().engine.url),
        data_version(session),
        tuple(statuses),
        replace(narrowed, deciding=frozenset(narrowed.deciding)),
        per_column,
        today,
    )
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    counts = stage_counts(session, statuses, narrowed)
    rows = board_cards(session, statuses, narrowed, per_stage=per_column, today=today)
    with _lock:
        _kept[key] = (counts, rows)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return counts, rows


def deciding(session: Session, person: PersonView) -> set[int]:
    """The improvements waiting at a gate ``person`` may decide."""
    # Someone without a role decides only as the owner or a team member, which "mine" keeps
    # anyway: the waiting gates are read only for people with a role.
    if not person.grants:
        return set()
    separation = get_settings().separation_of_duties
    return {
        improvement_id
        for improvement_id, gate, parties in waiting_parties(session)
        if allowed(Action.decide, person, parties, gate=Gate(gate), separation=separation)
    }


def _card(row: Row[Any], now: datetime, off_track: int | None) -> BoardCard:
    return BoardCard(
        id=format_id(row.id),
        title=row.title,
        owner=row.owner,
        priority=priority(row.strategic_impact, row.feasibility),
        in_stage_since=row.entered_at,
        days_in_stage=_days_since(row.entered_at, now),
        gate=row.gate,
        waiting_since=row.gate_opened_at,
        waiting_days=_days_since(row.gate_opened_at, now) if row.gate_opened_at else None,
        overdue_actions=row.overdue,
        off_track=off_track,
    )


def _days_since(moment: datetime, now: datetime) -> float:
    return round(max(0.0, (now - as_utc(moment)).total_seconds() / 86400), 2)
