"""An improvement's file as the register holds it: how its values are written back (a start as
a date when it is midnight UTC, 12000.0 as 12000, long texts as blocks), and its version.

The version is the id of the latest audit event that changed what the file holds: the file
registered or updated, its owner handed over, a plan action's progress, the move to executing
(which sets ``started``). An editor who saved over a newer version is shown those events.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import yaml

from ci_workflow.domain.authority.ownership import HANDED_OVER

# Audit actions that change what an improvement's file holds.
DEFINITION_ACTIONS = ("created", "updated", HANDED_OVER, "plan_progress")
# ... and the move to executing, which sets when execution started.
STARTED_MOVE = ("status_changed", "executing")

_CHANGED = re.compile(r"^changed ([a-z_]+(?:, [a-z_]+)*) from ")


def changes_definition(action: str, to_status: str | None) -> bool:
    return action in DEFINITION_ACTIONS or (action, to_status) == STARTED_MOVE


def fields_of(action: str, detail: str) -> list[str]:
    """The file's fields an audit event changed, from its action and words."""
    if action == "created":
        return ["*"]
    if action == HANDED_OVER:
        return ["owner"]
    if action == "plan_progress":
        return ["plan"]
    if action == STARTED_MOVE[0]:
        return ["started"]
    found = _CHANGED.match(detail)
    return found.group(1).split(", ") if found else []


def parse_version(sent: object) -> int | None:
    """A version as an API client sends it: ``17``, ``"17"`` (an ETag), ``W/"17"``; ``*`` is
    any version (-1); None when nothing or something else was sent (a JSON body's 17.0, [17])."""
    if isinstance(sent, bool) or not isinstance(sent, int | str):
        return None
    if isinstance(sent, int):
        return sent if sent >= 0 else None
    text = sent.strip().removeprefix("W/").strip('"')
    if text == "*":
        return -1
    # ASCII digits: "²" is a digit to str.isdigit, and int() refuses it.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def as_written(moment: datetime | None) -> date | datetime | None:
    """A moment as a file gives it: a date when it is midnight UTC, else a UTC date-time."""
    if moment is None:
        return None
    naive = moment.replace(tzinfo=None)  # UTC, as every time in the register
    return naive.date() if naive.time() == time.min else naive


def number(value: float | None) -> float | int | None:
    """12000.0 as 12000: a file says what a person would have typed."""
    if value is None or not float(value).is_integer():
        return value
    return int(value)


def without_empty(mapping: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields worth writing: None, empty texts and empty lists are what a file omits (each
    is its field's default), unless named in ``keep``."""
    return {k: v for k, v in mapping.items() if k in keep or v not in (None, "", [])}


class _Dumper(yaml.SafeDumper):
    """No anchors and aliases (the strict loader refuses them); texts of many lines as blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None  # PyYAML quotes it when a block cannot hold it
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(document: dict[str, Any], header: str = "") -> str:
    """The file's text: ``header`` as comment lines first (apply ignores them)."""
    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return comments + body
