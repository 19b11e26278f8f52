"""Capturing the strategy's key results from their sources, as improvement objectives are
captured: the same sources and readers (``_source_reads``), the same windows and cadences.

The scheduled capture (``capture-checkpoints``) reads each key result with a source at the
checkpoint its cadence calls for; ``improve strategy capture`` does it by hand (a CI manager, or
for one key result its owner too), at a time given, or over a range of checkpoints (backfill).
A value is stored once per checkpoint, recorded by ``capture``; a source that fails stores why
(the value stays empty, progress is unchanged) and a later success at that checkpoint replaces it.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.improvement.sources import parse_source
from ci_workflow.errors import NotFound, UsageError
from ci_workflow.formatting import quantity
from ci_workflow.services.measurement._source_reads import Target, read_all
from ci_workflow.services.measurement.capture import CaptureResult, last_fire
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.store.audit import record_act, record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.strategy import captures as store
from ci_workflow.store.strategy.items import held_rows
from ci_workflow.store.strategy.tables import StrategyItem

CAPTURED = "key_results_captured"
MAX_BACKFILL = 1000  # checkpoints in one backfill: years of weekly ones


@dataclass(frozen=True)
class Due:
    key: str
    unit: str
    target: Target


def capture_key_results(
    *, as_of: datetime | None = None, key: str | None = None, actor: Actor | None = None
) -> CaptureResult:
    """Without ``key``: every key result with a source, at the checkpoint its cadence calls for
    at ``as_of`` (default now), those already measured there left alone. With ``key``: that one,
    at ``as_of`` itself. ``actor``: who asked (by hand); None: the scheduled capture."""
    moment = _past(as_of)
    return _run([moment], key=key, actor=actor, at_cadence=key is None)


def backfill_key_result(
    key: str, *, start: datetime, end: datetime, every: timedelta, actor: Actor | None = None
) -> CaptureResult:
    """Checkpoints at ``start``, ``start + every``, ... up to ``end``: a key result's history."""
    first, last = as_utc(start), _past(end)
    if first > last:
        raise UsageError("--from must not be after --to")
    count = int((last - first) / every) + 1
    if count > MAX_BACKFILL:
        raise UsageError(f"{count} checkpoints: at most {MAX_BACKFILL} in one backfill")
    return _run([first + n * every for n in range(count)], key=key, actor=actor, at_cadence=False)


def _past(as_of: datetime | None) -> datetime:
    moment = as_utc(as_of or utcnow()).replace(microsecond=0)
    if moment > utcnow():
        raise UsageError(
            f"as of {moment:%Y-%m-%d %H:%M} UTC is in the future: a capture measures what has "
            "happened"
        )
    return moment


def _run(
    moments: list[datetime], *, key: str | None, actor: Actor | None, at_cadence: bool
) -> CaptureResult:
    with refusing(actor) if actor else nullcontext(), transaction(write=False) as session:
        items = _items(session, key, actor)
        due = [
            _due(item, last_fire(item.checkpoint_cron or "", m) if at_cadence else m)
            for item in items
            for m in moments
        ]
        done = store.captured_at(
            session, (d.target.objective_id for d in due), (d.target.checkpoint_at for d in due)
        )
    todo = [d for d in due if _missing(done.get(_slot(d)))]
    result = CaptureResult(unchanged=len(due) - len(todo))
    if not todo:
        return result
    readings = read_all([d.target for d in todo])  # outside any transaction: no lock held
    with transaction() as session:
        held = store.captured_at(session, *zip(*map(_slot, todo), strict=True))
        for d, (_, value, error) in zip(todo, readings, strict=True):
            line = f"{d.key} at {d.target.checkpoint_at:%Y-%m-%d %H:%M} UTC"
            if error is not None:
                result.failed.append(f"{line}: {error}")
            written = store.write_reading(
                session,
                held.get(_slot(d)),
                item_id=d.target.objective_id,
                at=d.target.checkpoint_at,
                value=value,
                error=error,
            )
            if value is not None and written:
                result.stored.append(f"{d.key} = {quantity(value, d.unit)}")
            elif not written:
                result.unchanged += 1
        if result.stored or result.failed:
            _audit(session, actor, result)
    return result


def _items(session: Session, key: str | None, actor: Actor | None) -> list[StrategyItem]:
    if key is None:
        if actor and actor.person and not allowed(Action.manage_strategy, actor.person):
            raise Refused("only a CI manager captures the strategy's key results")
        return store.measured_items(session)
    row = held_rows(session).get(key)
    if row is None or row.kind != "key_result" or row.retired_at is not None:
        raise NotFound(f"no key result {key!r} in the strategy (see: improve strategy show)")
    if (
        actor
        and actor.person
        and not allowed(Action.record_key_result, actor.person, subject_id=row.owner_id)
    ):
        raise Refused(f"only the owner of key result {key} or a CI manager captures it")
    if row.window is None or row.source is None:
        raise UsageError(f"key result {key} has no source to capture: it is recorded by hand")
    return [row]


def _due(item: StrategyItem, at: datetime) -> Due:
    source = parse_source(item.source or {})
    target = Target(item.id or 0, 0, item.key, item.window or "", source, at)
    return Due(item.key, item.unit or "", target)


def _slot(due: Due) -> tuple[int, datetime]:
    return due.target.objective_id, due.target.checkpoint_at


def _missing(held: object) -> bool:
    return held is None or getattr(held, "value", None) is None


def _audit(session: Session, actor: Actor | None, result: CaptureResult) -> None:
    said = "; ".join([*result.stored, *(f"failed {line}" for line in result.failed)])
    detail = f"{len(result.stored)} stored, {len(result.failed)} failed: {said}"[:4000]
    if actor is None:
        record_event(
            session, improvement_id=None, actor=store.CAPTURE, action=CAPTURED, detail=detail
        )
    else:
        record_act(session, actor, improvement_id=None, action=CAPTURED, detail=detail)
