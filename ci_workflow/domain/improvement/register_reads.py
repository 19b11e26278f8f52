"""A hand-written ``sql`` source over the register's own records.

Incidents and changes the ITSM tool deleted stay in the register (``deleted_at`` set: what was
measured from them stands) but count no more: the ``incidents`` source, the detectors and the
metrics leave them out. A query of the register reads them through the views that do the same,
``live_incidents`` and ``live_change_records`` (migration 0029); one that reads the tables
themselves with no word of ``deleted_at`` is warned about when applied. The check is a reading
of the query's text, not a parse: a table named after ``FROM`` or ``JOIN``, outside comments and
quoted strings.
"""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import URL

# Each table of records that the tool may delete, and the view of its records still there.
LIVE_VIEWS = {"incidents": "live_incidents", "change_record": "live_change_records"}

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_FILTERED = re.compile(r"\bdeleted_at\b")
# FROM incidents, JOIN main.incidents, FROM "incidents" AS i; never live_incidents.
_READS = {
    table: re.compile(rf'\b(?:from|join)\s+(?:"?\w+"?\.)?"?{table}"?(?!\w)') for table in LIVE_VIEWS
}


def unfiltered_tables(query: str) -> list[str]:
    """The tables of deletable records the query reads without any mention of ``deleted_at``."""
    code = _STRINGS.sub("''", _COMMENTS.sub(" ", query)).lower()
    if _FILTERED.search(code):
        return []
    return [table for table, reads in _READS.items() if reads.search(code)]


def same_database(url: str, other: str) -> bool:
    """Two SQLAlchemy URLs naming one database: the same file (SQLite), or the same backend,
    host, port and database name."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        one, two = make_url(url), make_url(other)
    except ArgumentError:
        return False
    if one.get_backend_name() != two.get_backend_name():
        return False
    if one.get_backend_name() == "sqlite":
        if not (one.database and two.database):  # in memory: nobody's register
            return False
        return _path(one.database) == _path(two.database)
    return (_host(one), one.port, one.database) == (_host(two), two.port, two.database)


def _host(url: URL) -> str:
    return url.host.lower() if url.host else "localhost"  # no host: a socket on this machine


def _path(database: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(database)))


def deleted_records_warnings(metric: str, url: str, query: str, register: str) -> list[str]:
    """What to warn of a ``sql`` source (its ``url`` and ``query``) that reads the register's
    deletable records unfiltered (``register``: the register's database URL)."""
    if not same_database(url, register):
        return []
    return [
        f"objective {metric!r}: its sql source reads the register's {table} without "
        f"deleted_at, so it also counts records deleted in their ITSM tool; read "
        f"{LIVE_VIEWS[table]} instead (or add deleted_at IS NULL)"
        for table in unfiltered_tables(query)
    ]
