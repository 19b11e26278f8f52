"""The rules of reading Jira issues incrementally (pure, no I/O): the JQL of a page, Jira's
times as the sync's UTC text, an issue's nested fields as text, and what its history counts.

Jira compares a JQL time to the minute, in the time zone of the user who searches; the sync's
cursor is UTC text to the second. A page therefore asks from the cursor's minute in the user's
zone (an hour earlier when that wall time happens twice, at the autumn clock change), and the
records read again from that minute are left out by the cursor (``itsm_sync.Cursor.fresh``).

A mapping's column is a field's path: ``priority.name`` (a part of an object), ``components.name``
(that part of each item of a list, joined by ", "); an object named whole shows its
``displayName``, ``name`` or ``value``. ``key`` and ``id`` are the issue's own. Two names are not
Jira fields but counted from the issue's history (its changelog), in time order:

- ``reassignment_count``: changes of the assignee to a person when the issue had one before
  (its first assignee is not counted; A → B and A → nobody → B count one each);
- ``reopen_count``: changes of the status from one in the done category to one that is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ci_workflow.domain.records.itsm_sync import Cursor, MissingField

OWN = ("key", "id")  # the issue's own, beside its fields
DERIVED = ("reassignment_count", "reopen_count")  # counted from the changelog
SHOWN = ("displayName", "name", "value")  # a user, a status or priority, an option
ORDER = "ORDER BY updated ASC, key ASC"
ID_ORDER = "ORDER BY id ASC"
MAX_JQL = 2000
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


def check_jql(value: object) -> str:
    """A table's JQL filter from a mapping: text, without an ORDER BY of its own."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a JQL filter is text, e.g. issuetype = Incident")
    if len(value) > MAX_JQL:
        raise ValueError(f"a JQL filter is at most {MAX_JQL} characters")
    if _ORDER_BY.search(value):
        raise ValueError("leave ORDER BY out: the sync reads in the order of update")
    return value.strip()


def utc_text(jira_time: str) -> str:
    """Jira's ``2024-01-01T10:00:00.000+0100`` as UTC ``2024-01-01 09:00:00``."""
    moment = datetime.strptime(jira_time, "%Y-%m-%dT%H:%M:%S.%f%z")
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def jql_since(at: str, zone: ZoneInfo) -> str:
    """The JQL time (``yyyy-MM-dd HH:mm``, the user's wall time) at or before the UTC text."""
    moment = datetime.strptime(at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    wall = moment.astimezone(zone).replace(tzinfo=None)
    twice = wall.replace(tzinfo=zone).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()
    if twice:  # Jira may read it as the later of the two: ask from an hour before
        wall = (moment - timedelta(hours=1)).astimezone(zone).replace(tzinfo=None)
    return f"{wall:%Y-%m-%d %H:%M}"


def search_jql(table_filter: str, cursor: Cursor, zone: ZoneInfo) -> str:
    """The JQL of a page: the table's filter, from the cursor's minute on, in the sync's order."""
    if cursor.at is None:
        return f"({table_filter}) {ORDER}"
    return f'({table_filter}) AND updated >= "{jql_since(cursor.at, zone)}" {ORDER}'


def ids_jql(table_filter: str, after: str | None) -> str:
    """The JQL of a page of a table's ids: the table's filter, by the issue's numeric id, after
    the last one listed (keyset: an issue deleted meanwhile shifts none of the others)."""
    if after is None:
        return f"({table_filter}) {ID_ORDER}"
    if not after.isdigit():
        raise ValueError(f"an issue id is a number, not {after!r}")
    return f"({table_filter}) AND id > {after} {ID_ORDER}"


def asked_fields(fields: Iterable[str]) -> list[str]:
    """The top-level fields to ask Jira for (``priority`` for ``priority.name``)."""
    asked = {name.partition(".")[0] for name in fields if name not in OWN + DERIVED}
    return sorted(asked)


def wants_history(fields: Iterable[str]) -> bool:
    return any(name in DERIVED for name in fields)


def flatten_issue(
    issue: Mapping[str, Any],
    fields: Iterable[str],
    times: frozenset[str],
    done: frozenset[str],
) -> dict[str, str]:
    """An issue of a search's answer as text: each field by its path, a time as UTC text, the
    counts from its history (``done``: the ids of the statuses in the done category)."""
    flat: dict[str, str] = {}
    values = issue.get("fields") or {}
    for name in fields:
        if name in OWN:
            flat[name] = _shown(issue.get(name))
        elif name in DERIVED:
            histories = _histories(issue)
            count = reassignments(histories) if name == DERIVED[0] else reopens(histories, done)
            flat[name] = str(count)
        else:
            top, *path = name.split(".")
            if top not in values:
                raise MissingField(top)
            flat[name] = _text(values[top], path, name)
        if name in times and flat[name]:
            flat[name] = _time(flat[name])
    return flat


def _time(text: str) -> str:
    try:
        return utc_text(text)
    except ValueError:
        return text  # a date alone, or not a time: the import says what it cannot read


def _text(value: Any, path: list[str], name: str) -> str:
    """The value at the path (each item's, in a list), as text."""
    if isinstance(value, list):
        parts = (_text(item, path, name) for item in value)
        return ", ".join(part for part in parts if part)
    if path and value is not None:
        if not isinstance(value, Mapping) or path[0] not in value:
            raise MissingField(name)
        return _text(value[path[0]], path[1:], name)
    return _shown(value)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        shown = next((part for part in SHOWN if part in value), None)
        if shown is None:
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        return _shown(value[shown])
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _histories(issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    changelog = issue.get("changelog")
    if not isinstance(changelog, Mapping) or "histories" not in changelog:
        raise MissingField("changelog")
    return in_order(changelog["histories"])


def in_order(histories: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A changelog's entries oldest first (Jira gives an issue's embedded one newest first)."""
    return sorted(histories, key=lambda h: (_time(str(h.get("created", ""))), _number(h)))


def _number(history: Mapping[str, Any]) -> int:
    found = history.get("id")
    return int(found) if isinstance(found, str) and found.isdigit() else 0


def _items(histories: Iterable[Mapping[str, Any]], field: str) -> list[Mapping[str, Any]]:
    return [i for h in histories for i in h.get("items") or [] if i.get("field") == field]


def reassignments(histories: Iterable[Mapping[str, Any]]) -> int:
    """Changes of the assignee to a person when the issue had one before."""
    changes = _items(histories, "assignee")
    assigned = bool(changes and changes[0].get("from"))
    count = 0
    for change in changes:
        if change.get("to"):
            if assigned:
                count += 1
            assigned = True
    return count


def reopens(histories: Iterable[Mapping[str, Any]], done: frozenset[str]) -> int:
    """Changes of the status from the done category to another."""
    changes = _items(histories, "status")
    return sum(1 for c in changes if str(c.get("from")) in done and str(c.get("to")) not in done)
