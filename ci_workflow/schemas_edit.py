"""The shapes of editing an improvement in the workspace and of its rework loop (beside
``schemas``, which holds the others): the form's starting point, an edit field by field as the
audit trail records it, and the loop from a rework request to the next plan decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True, defer_build=True)


class FieldChange(_Public):
    """One field an edit changed, as the audit trail records it: ``old`` → ``new``; both None
    when the trail says it whole (an objective added, a plan action removed)."""

    field: str
    old: str | None = None
    new: str | None = None
    said: str


class EditSince(_Public):
    """An edit of the improvement's file (or a hand-over), field by field."""

    version: int | None = None
    at: datetime
    by: str
    action: str
    changes: list[FieldChange]


class LoopComment(_Public):
    """A decision of the rework loop with what its person wrote."""

    gate: str
    attempt: int
    decision: str
    by: str
    at: datetime
    comment: str


class ReworkLoop(_Public):
    """An improvement sent back for rework, until its plan is decided again: the request, every
    comment of the loop (the rework's, the resubmit's), and what changed since the rework."""

    requested_by: str
    requested_at: datetime
    request: str  # the approver's comment
    resubmitted: bool  # back at plan approval: its approver sees what changed
    comments: list[LoopComment]
    edits: list[EditSince]


class ImprovementForm(_Public):
    """What the create or edit form starts from: the file (None: a new one), its version, and
    what may not change any more, with why; the people and scopes its pickers offer."""

    id: str | None = None
    title: str = ""
    status: str | None = None
    version: int | None = None
    document: dict[str, Any] | None = None
    frozen: bool = False  # its plan went for approval: the yardstick is fixed
    frozen_fields: list[str] = []
    frozen_why: str = ""
    people: list[str] = []  # active people, by name
    processes: list[str] = []
    services: list[str] = []
