"""The rules of reading GLPI's REST API (``apirest.php``) for a sync (pure, no I/O).

A connection's secret is the user token (``Authorization: user_token ...``), or with a user, its
password (basic authentication); an application token, when GLPI's API client asks for one, is
written before it: ``app_token=APP_TOKEN CREDENTIAL``. A table is searched by its last update
(search option 19, ``date_mod``) from the cursor on; GLPI's ``morethan`` is strict and its times
have whole seconds, so "from the cursor on" is "after the second before it", and the cursor's
ties leave out what was read at its time. The mapping names a field by its search option id
(``"12"``), its ``uid`` (``Ticket.status``) or its name as ``listSearchOptions`` gives it in the
account's language; ``Log:reassignments`` is counted from the ticket's history instead.
Noticing deletions lists an itemtype's ids by id (search option 2, ``morethan`` the last).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ci_workflow.domain.records.itsm_sync import Cursor

ITEM_ID, UPDATED, TYPE = "2", "19", "14"
INCIDENT = "1"  # a ticket's type: 1 incident, 2 request
ASSIGNED_GROUP = 8  # the search option a group is linked to a ticket as (technician group)
APP_TOKEN = "app_token="
REASSIGNMENTS = "Log:reassignments"
DERIVED = frozenset({REASSIGNMENTS})
LINKED = 15  # a history line's action: an item linked (Log::HISTORY_ADD_RELATION)
FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Credentials:
    app_token: str | None
    credential: str  # the user token, or the user's password


def credentials(secret: str) -> Credentials:
    """A connection's secret: ``CREDENTIAL`` or ``app_token=APP_TOKEN CREDENTIAL``."""
    if not secret.startswith(APP_TOKEN):
        return Credentials(None, secret)
    app_token, _, credential = secret.removeprefix(APP_TOKEN).partition(" ")
    if not app_token or not credential:
        raise ValueError(
            "the secret is 'app_token=APP_TOKEN CREDENTIAL': the App-Token, a space, then the "
            "user token or password"
        )
    return Credentials(app_token, credential)


def second_before(at: str) -> str:
    return f"{datetime.strptime(at, FORMAT) - timedelta(seconds=1):{FORMAT}}"


def search_params(
    cursor: Cursor, shown: Iterable[str], start: int, size: int, *, incidents: bool
) -> dict[str, str]:
    """The query of ``search/{itemtype}``: from the cursor on (incidents only, for tickets), by
    last update, ``size`` rows from ``start``, the ``shown`` search options displayed."""
    after = [(UPDATED, "morethan", second_before(cursor.at))] if cursor.at is not None else []
    return _query(after, UPDATED, shown, start, size, incidents=incidents)


def ids_params(
    after: str | None, shown: Iterable[str], size: int, *, incidents: bool
) -> dict[str, str]:
    """The query of a page of an itemtype's ids: by id, the first ``size`` after ``after``
    (keyset: an item deleted meanwhile shifts none of the others), within the table's own
    criteria. GLPI's search leaves the trash out: a trashed item is not listed."""
    if after is not None and not after.isdigit():
        raise ValueError(f"an item's id is a number, not {after!r}")
    criteria = [(ITEM_ID, "morethan", after)] if after is not None else []
    return _query(criteria, ITEM_ID, shown, 0, size, incidents=incidents)


def _query(
    criteria: list[tuple[str, str, str]],
    sort: str,
    shown: Iterable[str],
    start: int,
    size: int,
    *,
    incidents: bool,
) -> dict[str, str]:
    every = [(TYPE, "equals", INCIDENT)] if incidents else []
    params: dict[str, str] = {}
    for n, (field, searchtype, value) in enumerate(every + criteria):
        link = {f"criteria[{n}][link]": "AND"} if n else {}
        params |= link | {
            f"criteria[{n}][field]": field,
            f"criteria[{n}][searchtype]": searchtype,
            f"criteria[{n}][value]": value,
        }
    params |= {"sort": sort, "order": "ASC", "range": f"{start}-{start + size - 1}"}
    params |= {f"forcedisplay[{n}]": option for n, option in enumerate(shown)}
    return params


def option_id(name: str, options: Mapping[str, Any], table: str) -> str:
    """The search option a mapping's field names: its id, else its uid, else its name (case
    aside); a uid or name that several options share is refused."""
    if name.isdigit() and isinstance(options.get(name), Mapping):
        return name
    folded = name.casefold()
    for key in ("uid", "name"):
        found = sorted(
            (
                number
                for number, option in options.items()
                if isinstance(option, Mapping) and str(option.get(key)).casefold() == folded
            ),
            key=lambda number: (len(number), number),
        )
        if len(found) > 1:
            raise ValueError(
                f"{table}: {name!r} names several search options ({', '.join(found)}): "
                "write the id instead"
            )
        if found:
            return found[0]
    raise ValueError(
        f"{table}: {name!r} is no search option of {table} (an id, a uid or a name as "
        f"listSearchOptions/{table} gives it)"
    )


def text(value: Any) -> str:
    """A search result's value as text: GLPI keeps text HTML-escaped; several values (a ticket
    with two groups) are joined."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(text(v) for v in value)
    return html.unescape(str(value))


def reassignments(history: Iterable[Mapping[str, Any]]) -> int:
    """Hand-overs: the groups assigned to a ticket after the first one (each line of its
    history linking a group as its technician group; a line that does not say as what, from
    GLPI before 10, counts too)."""
    assigned = sum(
        1
        for line in history
        if line.get("itemtype_link") == "Group"
        and str(line.get("linked_action")) == str(LINKED)
        and int(line.get("id_search_option") or 0) in (0, ASSIGNED_GROUP)
    )
    return max(assigned - 1, 0)


def content_total(header: str | None) -> int | None:
    """The count of ``Content-Range: start-end/count``."""
    found = re.fullmatch(r"\d+-\d+/(\d+)", str(header))
    return int(found.group(1)) if found else None
