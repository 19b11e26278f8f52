"""The shapes of a plan action as a task (beside ``schemas``, which holds the others and gives
these too): as the improvement shows it, and as its assignee's work lists it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True, defer_build=True)


class PlanActionPublic(_Public):
    action: str
    owner: str
    due: date | None
    status: str
    change: str | None
    done_on: date | None = None  # when it became done (None: not done, or not recorded)
    overdue_days: int = 0  # days past its due date, neither done nor cancelled
    overdue: str = ""  # "overdue by 13 days"
    # The imported change's state (None: no change, or none imported by that id), its outcome
    # (open, closed, failed) and close code, and when it closed.
    change_state: str | None = None
    change_outcome: str | None = None
    change_close_code: str | None = None
    change_closed_at: datetime | None = None


class ActionDue(_Public):
    improvement: str
    title: str
    position: int
    action: str
    due: date | None
    status: str
    overdue_days: int = 0
    overdue: str = ""  # "overdue by 13 days"
