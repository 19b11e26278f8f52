"""Did the gain hold: which closed improvements are still measured, how each objective holds
(``domain.measures.sustainment``), the flag and the news when one regresses, and the final
review report when a sustainment period ends.

The capture (``services.measurement.capture``) measures the improvements ``in_sustainment`` at
their cadence and calls ``watch`` in its write transaction; ``settle_ended`` runs after the
scheduled capture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.measures.evaluation import Point
from ci_workflow.domain.measures.sustainment import Held, HoldAnswer, Sustainment, assess
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.formatting import plain
from ci_workflow.services.people import notifications
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import first_moves_to, record_event, without_action
from ci_workflow.store.db import transaction
from ci_workflow.store.people.people import person_view
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import measured_points
from ci_workflow.store.tables import Improvement

log = logging.getLogger("ci_workflow.sustainment")

ENDED = "sustainment_ended"
REGRESSED = "regressed"


@dataclass(frozen=True)
class Closed:
    improvement: Improvement
    closed_at: datetime

    @property
    def ends(self) -> datetime:
        return self.closed_at + timedelta(days=self.improvement.sustain_days)

    def measured_at(self, moment: datetime) -> bool:
        """In the sustainment period: from the close (to the second, as captures are stamped)
        to its end."""
        return self.closed_at.replace(microsecond=0) <= moment <= self.ends


def closed_improvements(session: Session) -> list[Closed]:
    """Every closed improvement with when it closed (by its trail)."""
    found = list(store.with_status(session, [Status.closed]))
    closed = first_moves_to(session, [i.id or 0 for i in found], Status.closed)
    return [Closed(i, closed[i.id or 0]) for i in found if (i.id or 0) in closed]


def in_sustainment(session: Session, moment: datetime) -> list[Closed]:
    return [c for c in closed_improvements(session) if c.measured_at(moment)]


def assessed(session: Session, closed: list[Closed]) -> dict[int, list[tuple[str, Sustainment]]]:
    """Each objective of these closed improvements, and how it holds."""
    now = utcnow()
    by_id = {c.improvement.id or 0: c for c in closed}
    objectives = store.objectives_for(session, by_id)
    points = measured_points(session, [o.id or 0 for o in objectives], kinds=list(SnapshotKind))
    found: dict[int, list[tuple[str, Sustainment]]] = {i: [] for i in by_id}
    for o in objectives:
        c = by_id[o.improvement_id]
        found[o.improvement_id].append(
            (
                o.metric,
                assess(
                    direction=o.direction,
                    baseline=o.baseline,
                    points=[Point(as_utc(at), v, kind) for at, v, kind in points[o.id or 0]],
                    started_at=as_utc(c.improvement.started_at)
                    if c.improvement.started_at
                    else None,
                    closed_at=c.closed_at,
                    days=c.improvement.sustain_days,
                    now=now,
                    keep=c.improvement.sustain_keep,
                ),
            )
        )
    return found


def watch(session: Session, improvement_ids: set[int]) -> None:
    """After sustainment measurements: flag each improvement that went back past a threshold
    (once), audit why, and tell its owner and process owner."""
    closed = [c for c in closed_improvements(session) if (c.improvement.id or 0) in improvement_ids]
    for improvement_id, held in assessed(session, closed).items():
        improvement = session.get(Improvement, improvement_id)
        regressed = [(m, s) for m, s in held if s.held == Held.regressed]
        if improvement is None or improvement.regressed_at is not None or not regressed:
            continue
        improvement.regressed_at = utcnow()
        session.add(improvement)
        why = "; ".join(f"{metric} {s.statement}" for metric, s in regressed)
        record_event(
            session,
            improvement_id=improvement_id,
            actor="sustainment check",
            action=REGRESSED,
            detail=why,
        )
        _tell(session, improvement, why)


def _tell(session: Session, improvement: Improvement, why: str) -> None:
    shown = format_id(improvement.id or 0)
    people = [person_view(session, improvement.owner_id)]
    if improvement.process_owner_id != improvement.owner_id:
        people.append(person_view(session, improvement.process_owner_id))
    notice = notifications.Message(
        kind=REGRESSED,
        subject=f"{shown}: the gain did not hold",
        body=f"{shown} {plain(improvement.title)} closed, and since then {why}.",
        link=get_settings().link(f"/improvements/{shown}#objectives"),
        improvement_id=improvement.id,
    )
    notifications.queue(
        session, notice, key=f"{REGRESSED}:{improvement.id}", people=[p for p in people if p]
    )


def settle_ended(moment: datetime | None = None) -> list[int]:
    """Improvements whose sustainment period ended: the trail says so once. Returns their ids;
    the capture flow then delivers each one's review report again, its "did it hold" final."""
    now = moment or utcnow()
    with transaction() as session:
        closed = closed_improvements(session)
        due = without_action(
            session, [c.improvement.id or 0 for c in closed if c.ends <= now], ENDED
        )
        ended = [c for c in closed if (c.improvement.id or 0) in due]
        held = assessed(session, ended)
        for c in ended:
            improvement_id = c.improvement.id or 0
            summary = ", ".join(f"{m} {s.held}" for m, s in held[improvement_id]) or "no objective"
            record_event(
                session,
                improvement_id=improvement_id,
                actor="sustainment check",
                action=ENDED,
                detail=f"measured until {c.ends:%Y-%m-%d}: {summary}",
            )
    return [c.improvement.id or 0 for c in ended]


def overall(held: list[Held], regressed_at: datetime | None) -> Held:
    """One word for an improvement: regressed if it ever did, measuring while any objective
    is, held when every one did, else unknown."""
    if regressed_at is not None or Held.regressed in held:
        return Held.regressed
    if Held.measuring in held:
        return Held.measuring
    if held and all(h == Held.held for h in held):
        return Held.held
    return Held.unknown


def listing() -> list[dict[str, Any]]:
    """Every closed improvement and whether its gain held: regressed first, then those still
    measured, then the rest; for ``improve sustainment``."""
    order = {Held.regressed: 0, Held.measuring: 1, Held.held: 2, Held.unknown: 3}
    with transaction(write=False) as session:
        closed = closed_improvements(session)
        held = assessed(session, closed)
    rows: list[dict[str, Any]] = []
    for c in closed:
        objectives = held[c.improvement.id or 0]
        word = overall([s.held for _, s in objectives], c.improvement.regressed_at)
        rows.append(
            {
                "id": format_id(c.improvement.id or 0),
                "title": c.improvement.title,
                "held": str(word),
                "closed_at": c.closed_at,
                "measured_until": c.ends,
                "regressed_at": c.improvement.regressed_at,
                "objectives": [
                    {
                        "metric": m,
                        "held": str(s.held),
                        "statement": s.statement,
                        "threshold": s.threshold.value if s.threshold else None,
                        "kept": s.kept,  # the share of the gain the latest measurement keeps
                        "keep": s.keep,
                        "measurements": len(s.points),
                    }
                    for m, s in objectives
                ],
            }
        )
    rows.sort(key=lambda r: (order[Held(r["held"])], r["id"]))
    return rows


def did_it_hold(session: Session, improvement: Improvement) -> HoldAnswer | None:
    """The review report's "did it hold" section of a closed improvement (None before)."""
    found = [c for c in closed_improvements(session) if c.improvement.id == improvement.id]
    if not found:
        return None
    (closed,) = found
    objectives = assessed(session, found)[improvement.id or 0]
    word = overall([s.held for _, s in objectives], improvement.regressed_at)
    days = improvement.sustain_days
    line = {
        Held.regressed: f"No: measured for {days} days after closing, a gain went back.",
        Held.measuring: f"Holding so far; measured for {days} days after closing, until "
        f"{closed.ends:%Y-%m-%d} (an interim answer).",
        Held.held: f"Yes: measured for {days} days after closing, until {closed.ends:%Y-%m-%d}, "
        "every objective held.",
        Held.unknown: "Unknown: an objective has nothing measured after the change to hold to.",
    }[word]
    return HoldAnswer(line, objectives)
