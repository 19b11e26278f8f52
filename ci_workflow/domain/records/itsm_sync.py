"""The rules of an incremental sync from an ITSM tool's table (pure, no I/O).

A table is read in the order of its records' last update (ServiceNow's ``sys_updated_on``, then
``sys_id`` among equal times). The cursor kept between syncs is the last update time read and the
records read at exactly that time (its ties): the next read asks for ``updated >= time`` and
leaves those ties out, so a record comes back only when it changed again.

Pages move the same cursor rather than an offset over one fixed query: a record updated while
the pages are read moves to the end of the order, and an offset would then skip the record that
slid into its place. Only a run of ties longer than a page needs an offset, within that run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

_EVERY = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}
SHORTEST_MINUTES, LONGEST_MINUTES = 5, 7 * 1440


def every_minutes(text: str) -> int:
    """``15m``, ``2h`` or ``1d`` as minutes, between 5 minutes and 7 days."""
    found = _EVERY.match(text)
    if not found:
        raise ValueError(f"--every: {text!r} is not a period like 15m, 2h or 1d")
    minutes = int(found.group(1)) * _UNIT_MINUTES[found.group(2)]
    if not SHORTEST_MINUTES <= minutes <= LONGEST_MINUTES:
        raise ValueError(f"--every: {text!r} must be between 5m and 7d")
    return minutes


def every_text(minutes: int) -> str:
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


# The scheduled sync runs every 5 minutes: a connection is due up to half a run early, so one
# synced every 15 minutes is not put off to the 20th by a run that started a second late.
SCHEDULE_SLACK = timedelta(minutes=2, seconds=30)


def due(every_minutes: int | None, last_tried: datetime | None, now: datetime) -> bool:
    """Whether the scheduled sync reads the connection now: it has a period, and it was not
    tried within it."""
    if every_minutes is None:
        return False
    return last_tried is None or now - last_tried + SCHEDULE_SLACK >= timedelta(
        minutes=every_minutes
    )


# A listing that would mark more than half of a table's live records deleted at once is not
# believed: a changed selection or a lost right in the tool is likelier than half the records
# deleted in a day. A handful always may be (a small table).
FEW_DELETED = 10


def listing_held(missing: int, live: int) -> bool:
    """Whether a listing missing ``missing`` of the ``live`` records synced from a table is too
    short to mark them deleted: more than a handful, and more than half."""
    return missing > FEW_DELETED and missing * 2 > live


@dataclass(frozen=True)
class Cursor:
    """Where a table's read stands: the last update time read (the tool's own text, UTC) and
    the ids of the records read at exactly that time."""

    at: str | None = None
    ties: frozenset[str] = field(default_factory=frozenset)

    def fresh(self, record_id: str, updated: str) -> bool:
        """Not read before: later than the cursor, or at its time but not among its ties."""
        return (
            self.at is None
            or updated > self.at
            or (updated == self.at and record_id not in self.ties)
        )

    def after(self, read: Iterable[tuple[str, str]]) -> Cursor:
        """The cursor once these (id, updated) pairs, in the table's order, are read."""
        at, ties = self.at, set(self.ties)
        for record_id, updated in read:
            if at is None or updated > at:
                at, ties = updated, {record_id}
            elif updated == at:
                ties.add(record_id)
        return Cursor(at, frozenset(ties))


def encoded_query(cursor: Cursor, updated: str, key: str) -> str:
    """ServiceNow's encoded query of the records from the cursor on, in the sync's order."""
    order = f"ORDERBY{updated}^ORDERBY{key}"
    return order if cursor.at is None else f"{updated}>={cursor.at}^{order}"


class MissingField(ValueError):
    """A field the mapping names is not in the tool's answer."""


def flatten(
    record: Mapping[str, Any], fields: Iterable[str], times: frozenset[str]
) -> dict[str, str]:
    """A record as ``sysparm_display_value=all`` gives it (each field ``{"value",
    "display_value"}``), as text: a time's stored value (UTC), every other field as shown
    (a choice's label, a reference's name). A plain value is taken as it is."""
    flat: dict[str, str] = {}
    for name in fields:
        if name not in record:
            raise MissingField(name)
        value = record[name]
        if isinstance(value, Mapping):
            value = value.get("value" if name in times else "display_value")
        flat[name] = "" if value is None else str(value)
    return flat
