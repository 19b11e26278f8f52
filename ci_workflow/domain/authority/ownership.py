"""Who owned an improvement: an owner handed over after its plan first went for approval stays
one of its owners for separation of duties, so nobody approves their own plan by handing it to
someone else for the decision and taking it back (issue 24 #3)."""

from __future__ import annotations

import re

HANDED_OVER = "owner_handed_over"
_FORMER = re.compile(r"^former owner #(\d+):")


def handover_detail(former_id: int, former: str, new: str) -> str:
    """The audit trail's words, starting with the former owner's id, which ``former_owner_of``
    reads back: names change, ids do not."""
    return f"former owner #{former_id}: {former} handed the improvement to {new}"


def former_owner_of(detail: str) -> int | None:
    found = _FORMER.match(detail)
    return int(found.group(1)) if found else None
