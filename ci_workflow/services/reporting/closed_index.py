"""The closed improvements' texts and full-text index, kept while the register stays the same.

An improvement still being shaped shows the closed ones most like it on each view (``lessons``).
Reading and indexing every closed improvement (2,500 of a register of 10,000) took most of that
page's time, for a result that changes only when the register does. So the index is kept per
register and data version, as the practice page's figures are (``practice_page``), and built by
one request at a time: the others asking meanwhile wait for it rather than build it beside it.

Closeness is SQLite's full-text search (FTS5, bm25 ranking) over an index in memory: it works
whatever database holds the register and needs no schema of its own.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from ci_workflow.domain.improvement.similarity import match_expression, name_key
from ci_workflow.store.data_version import data_version
from ci_workflow.store.reporting import lessons as store

KEPT = 2  # registers (or versions) kept at once: one process serves one register
ASKED = 32  # words' answers kept with an index (each up to one entry per closed improvement)
# Porter stemming: "routing" finds "route"; accents dropped as ``similarity.terms`` drops them.
INDEX = (
    "CREATE VIRTUAL TABLE closed USING fts5(title, vision, description, plan, lessons, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
# bm25 weights, one per column above: a word in a title or a lesson says more about what an
# improvement was about than one in a long description or a plan action.
BM25 = "bm25(closed, 3.0, 2.0, 1.0, 1.0, 2.0)"
_RANK = f"SELECT rowid, {BM25} FROM closed WHERE closed MATCH ?"

_lock = threading.Lock()
_building = threading.Lock()  # held while an index is built
_kept: OrderedDict[tuple[Any, ...], ClosedIndex] = OrderedDict()


@dataclass
class ClosedIndex:
    """Closed improvements by id (``store.lessons.TEXT_COLUMNS``), by process and service name
    (as ``similarity.same`` compares them), and their texts indexed."""

    rows: dict[int, Row[Any]]
    by_process: dict[str | None, set[int]]
    by_service: dict[str | None, set[int]]
    _index: sqlite3.Connection
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _asked: OrderedDict[tuple[str, ...], dict[int, tuple[float, tuple[str, ...]]]] = field(
        default_factory=OrderedDict
    )

    def text_matches(self, words: list[str]) -> dict[int, tuple[float, tuple[str, ...]]]:
        """Each improvement that shares any of ``words``: its bm25 score and the words it
        shares (each word's own query, so that a stemmed match is named by the word asked).
        The last ``ASKED`` answers are kept with the index: a page is viewed again and again."""
        if not words or not self.rows:
            return {}
        with self._lock:  # one connection, asked by whichever request comes
            found = self._asked.get(tuple(words))
            if found is None:
                found = self._ask(words)
                self._asked[tuple(words)] = found
                while len(self._asked) > ASKED:
                    self._asked.popitem(last=False)
            self._asked.move_to_end(tuple(words))
        return found

    def _ask(self, words: list[str]) -> dict[int, tuple[float, tuple[str, ...]]]:
        scores = dict(self._index.execute(_RANK, (match_expression(words),)).fetchall())
        shared: dict[int, list[str]] = {}
        for word in words:
            for (rowid,) in self._index.execute(
                "SELECT rowid FROM closed WHERE closed MATCH ?", (match_expression([word]),)
            ):
                shared.setdefault(rowid, []).append(word)
        return {rowid: (score, tuple(shared.get(rowid, ()))) for rowid, score in scores.items()}

    def alike(self, process: str | None, service: str | None) -> tuple[set[int], set[int]]:
        """The improvements of the same process, and of the same service (``similarity.same``:
        a name is the same as another of the same ``name_key``)."""
        return self._named(self.by_process, process), self._named(self.by_service, service)

    @staticmethod
    def _named(by_name: dict[str | None, set[int]], name: str | None) -> set[int]:
        key = name_key(name)
        return by_name.get(key, set()) if key is not None else set()

    def close(self) -> None:
        self._index.close()


def index_of(rows: Sequence[Row[Any]], plans: dict[int, list[str]]) -> ClosedIndex:
    """``rows`` (``store.lessons.closed_texts``) and their plans' texts, indexed."""
    index = sqlite3.connect(":memory:", check_same_thread=False)
    index.execute(INDEX)
    index.executemany(
        "INSERT INTO closed (rowid, title, vision, description, plan, lessons) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                r.id,
                r.title,
                r.vision,
                r.description,
                "\n".join(plans.get(r.id, [])),
                r.lessons_learned or "",
            )
            for r in rows
        ],
    )
    return ClosedIndex(
        rows={r.id: r for r in rows},
        by_process=_by_name((r.id, r.process) for r in rows),
        by_service=_by_name((r.id, r.service) for r in rows),
        _index=index,
    )


def kept_index(session: Session) -> ClosedIndex:
    """Every closed improvement indexed, as the register is in ``session`` (a read-only one:
    what is kept must be what others will read), kept or built now."""
    key = (str(session.get_bind().engine.url), data_version(session))
    with _lock:
        found = _kept.get(key)
    if found is not None:
        return found
    with _building:
        with _lock:
            found = _kept.get(key)  # built while this request waited
        if found is not None:
            return found
        built = index_of(store.closed_texts(session), store.closed_plans(session))
        with _lock:
            _kept[key] = built
            while len(_kept) > KEPT:
                _kept.popitem(last=False)  # closed when no request holds it any more
    return built


def _by_name(names: Iterable[tuple[int, str | None]]) -> dict[str | None, set[int]]:
    found: dict[str | None, set[int]] = defaultdict(set)
    for improvement_id, name in names:
        found[name_key(name)].add(improvement_id)
    return dict(found)
