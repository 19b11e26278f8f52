"""What changed, field by field, as the audit trail records an edit (``changed title from
x.yaml: title 'A' → 'B'; mttr_hours.target 6 → 5``); and the rework loop of an improvement: the
request sent back, every comment since, and the edits made since the request."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ci_workflow.domain.authority.ownership import HANDED_OVER
from ci_workflow.schemas import AuditEventPublic, GateDecisionPublic
from ci_workflow.schemas_edit import EditSince, FieldChange, LoopComment, ReworkLoop

_DETAILS = re.compile(r"^changed [a-z_, ]+ from [^:]*: (.*)$", re.S)
_VALUE = re.compile(r"^(\S+) (.*?) → (.*)$", re.S)
EDITS = ("updated", HANDED_OVER)  # what a person changes of the file (and its owner)


def field_changes(detail: str) -> list[FieldChange]:
    """An audit event's words as the fields it changed, old → new where it says them."""
    found = _DETAILS.match(detail)
    lines = found.group(1).split("; ") if found else [detail]
    changes = []
    for line in lines:
        value = _VALUE.match(line)
        if value is None:
            changes.append(FieldChange(field=line.split(" ")[0], said=line))
        else:
            field, old, new = value.groups()
            changes.append(FieldChange(field=field, old=old, new=new, said=line))
    return changes


def edit_of(*, at: datetime, by: str, action: str, detail: str, version: Any = None) -> EditSince:
    return EditSince(version=version, at=at, by=by, action=action, changes=field_changes(detail))


def rework_loop(
    decisions: Sequence[GateDecisionPublic], events: Sequence[AuditEventPublic]
) -> ReworkLoop | None:
    """The loop from the latest rework request until the plan is decided again (approved,
    rejected, reworked anew): None when there is none open."""
    reworks = [n for n, d in enumerate(decisions) if d.decision == "rework"]
    if not reworks:
        return None
    loop = list(decisions[reworks[-1] :])
    if any(d.decision not in ("rework", "resubmit") for d in loop):
        return None  # decided since: the loop is closed
    request = loop[0]
    return ReworkLoop(
        requested_by=request.by,
        requested_at=request.at,
        request=request.comment,
        resubmitted=any(d.decision == "resubmit" for d in loop),
        comments=[LoopComment.model_validate(d, from_attributes=True) for d in loop],
        edits=[
            edit_of(at=e.at, by=e.actor, action=e.action, detail=e.detail)
            for e in events
            if e.action in EDITS and e.at > request.at
        ],
    )
