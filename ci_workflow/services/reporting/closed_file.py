"""The closed improvements' full-text index kept in a file, for the processes that live for one
question: a flow process opening a plan-approval gate shows the closed improvements most like
the one it asks about (``lessons.similar_to``).

Building the index reads and indexes every closed improvement (2,500 of a register of 10,000):
the one cost of opening a gate that grew with the register. The file is built once per version
of the closed improvements (``store.lessons.closed_version``) in the register's home, beside the
register, and replaced whole (a reader keeps the file it opened); each question then asks it for
the few closest, ranked inside SQLite in the order ``similarity.closeness`` gives, with the same
texts indexed in the same order as ``closed_index.index_of`` (so the same bm25 scores).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.improvement.similarity import Match, match_expression, name_key, terms
from ci_workflow.services.reporting.closed_index import BM25, INDEX
from ci_workflow.settings import private_home
from ci_workflow.store.reporting import lessons as store
from ci_workflow.store.tables import Improvement

_NAMES = (
    "CREATE TABLE named (id INTEGER PRIMARY KEY, process TEXT, service TEXT, recency REAL NOT NULL)"
)
# ``similarity.closeness`` as SQL: more names in common first, then the closer text (bm25, 0.0
# when no word is shared), the more recently closed, the higher id.
_CLOSEST = f"""
WITH hits AS (SELECT rowid AS id, {BM25} AS score FROM closed WHERE closed MATCH :words)
SELECT n.id, coalesce(n.process = :process, 0) AS same_process,
       coalesce(n.service = :service, 0) AS same_service, coalesce(h.score, 0.0) AS score
FROM named n LEFT JOIN hits h ON h.id = n.id
WHERE n.id != :own AND (n.process = :process OR n.service = :service OR h.id IS NOT NULL)
ORDER BY -(same_process + same_service), score, n.recency, -n.id
LIMIT :limit
"""


def closest(session: Session, improvement: Improvement, limit: int) -> list[Match]:
    """``lessons._closest`` of the closed improvements as ``session`` reads them, asked of the
    kept file (built now if the closed improvements changed since). Raises OSError or
    sqlite3.Error when no file can be kept (``lessons`` then builds an index for the question)."""
    path, version = _kept_file(session)
    try:
        found, shared = _asked(path, improvement, limit)
    except sqlite3.DatabaseError:  # a file gone bad under a version that reads: made again
        _build(session, path, version)
        found, shared = _asked(path, improvement, limit)
    closed_at = {i.id: i.completed_at for i in store.with_ids(session, [r[0] for r in found])}
    return [
        Match(rowid, bool(sp), bool(ss), tuple(shared.get(rowid, ())), score, closed_at[rowid])
        for rowid, sp, ss, score in found
    ]


def _asked(
    path: Path, improvement: Improvement, limit: int
) -> tuple[list[Any], dict[int, list[str]]]:
    """The ``limit`` closest (id, same process, same service, bm25) and the words they share."""
    words = terms(improvement.title, improvement.vision, improvement.description)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as index:
        found = index.execute(
            _CLOSEST,
            {
                "process": name_key(improvement.process),
                "service": name_key(improvement.service),
                # no words: a query no improvement matches (a quoted empty string)
                "words": match_expression(words) if words else '""',
                "own": improvement.id,
                "limit": limit,
            },
        ).fetchall()
        return found, _shared(index, words, [row[0] for row in found])


def _shared(index: sqlite3.Connection, words: list[str], ids: list[int]) -> dict[int, list[str]]:
    """The words each of ``ids`` shares, each word asked alone (as ``ClosedIndex._ask``)."""
    shared: dict[int, list[str]] = {}
    if not ids:
        return shared
    marks = ", ".join("?" * len(ids))
    for word in words:
        query = f"SELECT rowid FROM closed WHERE closed MATCH ? AND rowid IN ({marks})"
        for (rowid,) in index.execute(query, (match_expression([word]), *ids)):
            shared.setdefault(rowid, []).append(word)
    return shared


def _kept_file(session: Session) -> tuple[Path, str]:
    """The file for this register and its closed improvements' version, built if missing;
    and that version."""
    url = str(session.get_bind().engine.url)
    version = json.dumps([url, *store.closed_version(session)], default=str)
    name = hashlib.sha256(url.encode()).hexdigest()[:16]
    path = private_home() / "cache" / f"closed-{name}.sqlite"
    if _version_of(path) != version:
        _build(session, path, version)
    return path, version


def _version_of(path: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as kept:
            return str(kept.execute("SELECT version FROM kept").fetchone()[0])
    except sqlite3.Error:
        return None  # none yet, or one a crash left unreadable: built again


def _build(session: Session, path: Path, version: str) -> None:
    """The index of ``closed_index.index_of`` and each improvement's names, in a file of its
    own made beside ``path`` and moved over it whole."""
    rows, plans = store.closed_texts(session), store.closed_plans(session)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}")
    try:
        with closing(sqlite3.connect(partial)) as index:
            index.execute(INDEX)
            index.execute(_NAMES)
            index.execute("CREATE TABLE kept (version TEXT NOT NULL)")
            index.executemany(
                "INSERT INTO closed (rowid, title, vision, description, plan, lessons) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [_texts(r, plans) for r in rows],
            )
            index.executemany("INSERT INTO named VALUES (?, ?, ?, ?)", [_names(r) for r in rows])
            index.execute("INSERT INTO kept VALUES (?)", (version,))
            index.commit()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _texts(row: Any, plans: dict[int, list[str]]) -> tuple[Any, ...]:
    plan = "\n".join(plans.get(row.id, []))
    return (row.id, row.title, row.vision, row.description, plan, row.lessons_learned or "")


def _names(row: Any) -> tuple[Any, ...]:
    recency = -(row.completed_at.timestamp() if row.completed_at else 0.0)
    return (row.id, name_key(row.process), name_key(row.service), recency)
