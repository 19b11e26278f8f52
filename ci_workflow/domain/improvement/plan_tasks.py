"""A plan action as a task people live by: when it is overdue and how that reads, the date it
was done, and how far the plan has come.

Overdue: its due date has passed (due today is not overdue), it is neither done nor cancelled,
and its improvement still runs (a closed, rejected or withdrawn improvement's plan is history).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from ci_workflow.domain.stages.lifecycle import TERMINAL
from ci_workflow.domain.vocabulary import ActionStatus

FINISHED = frozenset({ActionStatus.done, ActionStatus.cancelled})


def overdue_days(due: date | None, status: str, improvement_status: str, today: date) -> int:
    """How many days past its due date the action is; 0 when it is not overdue."""
    if due is None or status in FINISHED or improvement_status in TERMINAL:
        return 0
    return max((today - due).days, 0)


def overdue_words(days: int) -> str:
    """``overdue by 13 days``; empty when not overdue."""
    if days <= 0:
        return ""
    return f"overdue by {days} day{'s' if days != 1 else ''}"


def plan_overdue_words(count: int, oldest_days: int) -> str:
    """An improvement's overdue actions in a few words: ``2 actions overdue, the oldest by 13
    days``; empty when none is."""
    if count <= 0 or oldest_days <= 0:
        return ""
    if count == 1:
        return f"1 action {overdue_words(oldest_days)}"
    return (
        f"{count} actions overdue, the oldest by {oldest_days} day{'s' if oldest_days != 1 else ''}"
    )


def done_date(before: str, after: str, held: date | None, today: date) -> date | None:
    """The date the action was done once its status goes from ``before`` to ``after``: today
    when it becomes done, kept while it stays done, cleared when it is reopened."""
    if after != ActionStatus.done:
        return None
    return held if before == ActionStatus.done else today


def done_pct(statuses: Iterable[str]) -> int | None:
    """The share of the plan done, in whole %: done over the actions not cancelled (a cancelled
    action is not work left to do); None for a plan with nothing left to count."""
    counted = [s for s in statuses if s != ActionStatus.cancelled]
    return share_done(sum(s == ActionStatus.done for s in counted), len(counted))


def share_done(done: int, counted: int) -> int | None:
    """``done`` of ``counted`` actions (cancelled ones not counted), in whole % rounded down:
    a plan shows 100 % only when every action is done."""
    return None if counted <= 0 else 100 * done // counted


class _Task(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def owner_id(self) -> int: ...
    @property
    def due(self) -> date | None: ...
    @property
    def status(self) -> str: ...


def carried_over(
    held: Sequence[Any], wanted: Sequence[_Task], today: date
) -> list[tuple[date | None, date | None]]:
    """(done date, reminded due date) of each wanted action when a file rewrites a plan: what
    the register knew of the same action (same words) is kept. A done action keeps its date; a
    reminder counts only for the same assignee and due date, so a new due date re-arms it."""
    by_words: dict[str, Any] = {}
    for row in held:
        by_words.setdefault(row.action, row)
    out = []
    for new in wanted:
        old = by_words.get(new.action)
        was = old.status if old is not None else ""
        done = done_date(was, new.status, old.done_on if old is not None else None, today)
        same_task = old is not None and (old.owner_id, old.due) == (new.owner_id, new.due)
        out.append((done, old.reminded_due if old is not None and same_task else None))
    return out
