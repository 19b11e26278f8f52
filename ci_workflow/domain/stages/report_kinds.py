"""What a review report is, by when it was made: its kind, its file's name and its words.

``interim`` is made on request before the review is signed off (``improve report``);
``interim-N`` by the lifecycle when the improvement enters review for the Nth time (its
attempt); ``final`` at consolidation; ``sustained`` when the sustainment period ends, with the
answer to "did the gain hold". Registers made before these names hold ``review`` (on request)
and ``review-N`` (a review round): their files stay where they are and read the same. The
lifecycle flow still asks for ``review-N`` (``canonical`` makes it ``interim-N``): a flow run
waiting at review when this changed replays its delivery from Prefect's cache, keyed by that
argument, instead of sending the report again under a new name.
"""

from __future__ import annotations

import re
from datetime import datetime

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import Status

INTERIM, FINAL, SUSTAINED = "interim", "final", "sustained"
_ROUND = re.compile(r"(?:interim|review)-(\d+)")


def canonical(kind: str) -> str:
    """The kind as the register records it and names its file: ``review-2`` is ``interim-2``,
    ``review`` is ``interim``."""
    attempt = _ROUND.fullmatch(kind)
    if attempt:
        return f"{INTERIM}-{attempt.group(1)}"
    return INTERIM if kind == "review" else kind


def on_request(status: str) -> str:
    """The kind of a report asked for now: final once the review is signed off."""
    return FINAL if status in (Status.consolidating, Status.closed) else INTERIM


def file_name(improvement_id: int, kind: str, fmt: str) -> str:
    """``imp-0001-interim-2.html``, ``imp-0001-final.md``, ..."""
    return f"{format_id(improvement_id).lower()}-{kind}.{fmt}"


def label(kind: str, made: datetime) -> str:
    """Which report it is, in words, and the day it was made: ``Final review, 12 Nov 2026``."""
    day = f"{made.day} {made:%b %Y}"
    attempt = _ROUND.fullmatch(kind)
    if attempt:
        return f"Interim report at review, attempt {attempt.group(1)}, {day}"
    words = {
        INTERIM: "Interim report, on request",
        "review": "Interim report, on request",
        FINAL: "Final review",
        SUSTAINED: "Sustained: did the gain hold",
    }
    return f"{words.get(kind, kind)}, {day}"
