"""A plan action as a task: when it is overdue (due today is not), how that reads, the date it
was done, the share of the plan done, and what an apply that rewrites the plan keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ci_workflow.domain.improvement.plan_tasks import (
    carried_over,
    done_date,
    done_pct,
    overdue_days,
    overdue_words,
    plan_overdue_words,
    share_done,
)

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("due", "status", "improvement", "days"),
    [
        (date(2026, 12, 3), "planned", "executing", 0),  # due today: not overdue yet
        (date(2026, 12, 4), "in_progress", "executing", 0),
        (date(2026, 12, 2), "planned", "executing", 1),
        (date(2026, 11, 20), "in_progress", "approved", 13),
        (date(2026, 11, 20), "done", "executing", 0),
        (date(2026, 11, 20), "cancelled", "executing", 0),
        (None, "planned", "executing", 0),
        (date(2026, 11, 20), "planned", "closed", 0),  # an ended improvement's plan is history
        (date(2026, 11, 20), "planned", "withdrawn", 0),
        (date(2026, 11, 20), "planned", "rejected", 0),
    ],
)
def test_an_action_is_overdue_past_its_due_date_while_open(
    due: date | None, status: str, improvement: str, days: int
) -> None:
    assert overdue_days(due, status, improvement, TODAY) == days


def test_overdue_reads_in_words() -> None:
    assert overdue_words(0) == ""
    assert overdue_words(1) == "overdue by 1 day"
    assert overdue_words(13) == "overdue by 13 days"
    assert plan_overdue_words(0, 0) == ""
    assert plan_overdue_words(1, 13) == "1 action overdue by 13 days"
    assert plan_overdue_words(3, 1) == "3 actions overdue, the oldest by 1 day"


def test_the_done_date_is_set_on_done_kept_while_done_and_cleared_when_reopened() -> None:
    earlier = date(2026, 11, 1)
    assert done_date("in_progress", "done", None, TODAY) == TODAY
    assert done_date("done", "done", earlier, TODAY) == earlier
    assert done_date("done", "in_progress", earlier, TODAY) is None
    assert done_date("planned", "cancelled", None, TODAY) is None


def test_the_share_done_leaves_cancelled_actions_out_and_rounds_down() -> None:
    assert done_pct([]) is None
    assert done_pct(["cancelled"]) is None
    assert done_pct(["done", "planned", "cancelled"]) == 50
    assert done_pct(["done", "done", "planned"]) == 66  # 100 % only when all are done
    assert done_pct(["done"]) == 100
    assert share_done(0, 0) is None and share_done(1, 3) == 33


@dataclass
class Row:
    action: str
    owner_id: int
    due: date | None
    status: str
    done_on: date | None = None
    reminded_due: date | None = None


def test_a_rewritten_plan_keeps_done_dates_and_reminders_of_the_same_tasks() -> None:
    held = [
        Row("Route it", 1, date(2026, 11, 1), "done", date(2026, 11, 2)),
        Row("Train the desk", 2, date(2026, 11, 20), "planned", None, date(2026, 11, 20)),
        Row("Measure", 2, date(2026, 11, 20), "planned", None, date(2026, 11, 20)),
    ]
    wanted = [
        Row("Train the desk", 2, date(2026, 11, 20), "planned"),  # moved: still reminded
        Row("Route it", 1, date(2026, 11, 1), "done"),  # still done: its date kept
        Row("Measure", 2, date(2026, 12, 20), "done"),  # new due date: re-armed; done today
        Row("Something new", 1, None, "planned"),
    ]
    assert carried_over(held, wanted, TODAY) == [
        (None, date(2026, 11, 20)),
        (date(2026, 11, 2), None),
        (TODAY, None),
        (None, None),
    ]
