"""How improvements are named to people: ``IMP-0001`` for id 1."""

from __future__ import annotations

import re

from ci_workflow.errors import UsageError

PREFIX = "IMP-"
_REFERENCE = re.compile(r"^(?:imp-?)?0*(\d+)$", re.IGNORECASE)


def format_id(number: int) -> str:
    return f"{PREFIX}{number:04d}"


def parse_id(text: str) -> int:
    """Accept ``IMP-0001``, ``imp-1`` or ``1``."""
    match = _REFERENCE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"not an improvement id: {text!r} (expected e.g. IMP-0001)")
    return int(match.group(1))


def looks_like_id(text: str) -> bool:
    return bool(_REFERENCE.match(text.strip()))
