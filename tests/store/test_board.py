"""The board's queries on SQLite and PostgreSQL: when each card entered its stage (the trail's
latest move to its status), the cut at N cards a stage by priority, and the stages' counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col

from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.register.board import BoardFilter, board_cards, stage_counts
from ci_workflow.store.register.improvements import change_status, get_improvement
from ci_workflow.store.tables import AuditEvent, Improvement
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

STAGES = [s for s in Status if s not in (Status.withdrawn, Status.rejected)]
T0 = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def registered(cli: Cli, folder: Path, count: int) -> None:
    for n in range(1, count + 1):
        # Priority (impact × feasibility) falls as n grows: IMP-0001 first.
        doc = improvement_doc(key=f"board-{n}", strategic_impact=5, feasibility=6 - n)
        write_yaml(folder, doc)
    cli.ok("apply", str(folder))


def stamp_moves(number: int, start: datetime) -> list[datetime]:
    """Each move of the improvement's trail a day after the one before, from ``start``."""
    with transaction() as session:
        moves = [e for e in events_for(session, number) if e.action == "status_changed"]
        stamps = [start + timedelta(days=i) for i in range(len(moves))]
        for event, at in zip(moves, stamps, strict=True):
            session.execute(update(AuditEvent).where(col(AuditEvent.id) == event.id).values(at=at))
    return stamps


def test_a_card_entered_its_stage_at_the_latest_move_there(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    registered(cli, tmp_path, 3)
    move_to("executing", "IMP-0002")
    with transaction() as session:  # the review sends it back to execution
        improvement = get_improvement(session, "IMP-0002")
        change_status(session, improvement, Status.in_review, actor="test", reason="done")
        change_status(session, improvement, Status.executing, actor="test", reason="extend")
    stamps = stamp_moves(2, T0)
    created = datetime(2026, 5, 1, tzinfo=UTC)
    with transaction() as session:
        session.execute(update(Improvement).values(created_at=created))
    with transaction(write=False) as session:
        rows = board_cards(session, STAGES, BoardFilter(), per_stage=50, today=T0.date())
    by_id = {r.id: r for r in rows}
    # Executing twice: the second entry counts, not the first (stamps[4]) nor the review.
    assert len(stamps) == 7 and by_id[2].status == "executing"
    assert by_id[2].entered_at == stamps[6] and by_id[2].entered_at.tzinfo is not None
    # Never moved: in its first stage since it was registered.
    assert by_id[1].entered_at == created and by_id[1].entered_at.tzinfo is not None
    assert by_id[2].gate is None and by_id[2].overdue == 0


def test_each_stage_shows_its_first_cards_by_priority_and_counts_them_all(
    people: None, cli: Cli, tmp_path: Path
) -> None:
    registered(cli, tmp_path, 5)
    for shown in ("IMP-0004", "IMP-0005"):
        move_to("defined", shown)
    with transaction(write=False) as session:
        rows = board_cards(session, STAGES, BoardFilter(), per_stage=2, today=T0.date())
        counts = stage_counts(session, STAGES, BoardFilter())
        mine = stage_counts(session, STAGES, BoardFilter(mine=999, deciding=[5]))
        lena = BoardFilter(owner="LENA FISCHER ", service="corporate network")
        narrowed = stage_counts(session, STAGES, lena)
    assert [(r.status, r.id, r.rank) for r in rows] == [
        ("defined", 4, 1),
        ("defined", 5, 2),
        ("identified", 1, 1),
        ("identified", 2, 2),
    ]
    assert counts == {"identified": 3, "defined": 2}
    assert mine == {"defined": 1}  # nobody's own, but IMP-0005 has a gate they may decide
    assert narrowed == counts
