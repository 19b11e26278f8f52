"""Lessons learned, seen again: the closed improvements most like one being shaped (its page and
plan-approval summary), and the search of every closed improvement's lessons and texts.

Closeness is SQLite's full-text search (FTS5, bm25 ranking) over an index built in memory for each
question from the closed improvements' texts: it works whatever database holds the register,
needs no schema of its own, and a register closes at most thousands of improvements.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.similarity import (
    LOOKING_BACK,
    Match,
    SimilarImprovement,
    Verdict,
    match_expression,
    ranked,
    same,
    terms,
)
from ci_workflow.services.views.objective_results import evaluations_of
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as register
from ci_workflow.store.reporting import lessons as store
from ci_workflow.store.tables import Improvement

SHOWN_BESIDE = 3  # on an improvement's page and in its plan-approval summary
SHOWN_SEARCHED = 10
# Porter stemming: "routing" finds "route"; accents dropped as ``similarity.terms`` drops them.
_INDEX = (
    "CREATE VIRTUAL TABLE closed USING fts5(title, vision, description, plan, lessons, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
# bm25 weights, one per column above: a word in a title or a lesson says more about what an
# improvement was about than one in a long description or a plan action.
_RANK = "SELECT rowid, bm25(closed, 3.0, 2.0, 1.0, 1.0, 2.0) FROM closed WHERE closed MATCH ?"


def similar_to(
    session: Session, improvement: Improvement, *, limit: int = SHOWN_BESIDE
) -> list[SimilarImprovement] | None:
    """The closed improvements most like ``improvement``, inside a caller's session; None once
    it is past approval (lessons are for shaping it: ``similarity.LOOKING_BACK``)."""
    if improvement.status not in LOOKING_BACK:
        return None
    rows = store.closed_texts(session)
    words = terms(improvement.title, improvement.vision, improvement.description)
    texts = _text_matches(rows, store.closed_plans(session), words)
    process, service = improvement.process, improvement.service
    matches = [
        _match(row, texts, same(row.process, process), same(row.service, service))
        for row in rows
        if row.id != improvement.id
    ]
    return _shown(session, rows, ranked(matches, limit))


def similar_improvements(ref: str, *, limit: int = SHOWN_BESIDE) -> list[SimilarImprovement] | None:
    """``similar_to`` in a transaction of its own (the improvement's page)."""
    with transaction(write=False) as session:
        return similar_to(session, register.get_improvement(session, ref), limit=limit)


def search_lessons(
    query: str | None = None,
    *,
    process: str | None = None,
    service: str | None = None,
    limit: int = SHOWN_SEARCHED,
) -> tuple[int, list[SimilarImprovement]]:
    """How many closed improvements there are (of ``process``, ``service``), and those whose
    lessons and texts best match ``query``; without one, the most recent lessons."""
    where = {"process": process, "service": service}
    with transaction(write=False) as session:
        closed = store.count_closed(session, **where)
        if not query or not query.strip():
            rows = store.recent_lessons(session, **where, limit=limit)
            recent = [_match(row, {}, False, False) for row in rows]
            return closed, _shown(session, rows, recent)
        rows = store.closed_texts(session, **where)
        texts = _text_matches(rows, store.closed_plans(session, **where), terms(query))
        found = ranked((_match(row, texts, False, False) for row in rows), limit)
        return closed, _shown(session, rows, found)


def _text_matches(
    rows: Sequence[Row[Any]], plans: dict[int, list[str]], words: list[str]
) -> dict[int, tuple[float, tuple[str, ...]]]:
    """Each improvement that shares any of ``words``: its bm25 score and the words it shares
    (each word's own query, so that a stemmed match is named by the word that was asked)."""
    if not words or not rows:
        return {}
    with closing(sqlite3.connect(":memory:")) as index:
        index.execute(_INDEX)
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
        scores = dict(index.execute(_RANK, (match_expression(words),)).fetchall())
        shared: dict[int, list[str]] = {}
        for word in words:
            for (rowid,) in index.execute(
                "SELECT rowid FROM closed WHERE closed MATCH ?", (match_expression([word]),)
            ):
                shared.setdefault(rowid, []).append(word)
    return {rowid: (score, tuple(shared.get(rowid, ()))) for rowid, score in scores.items()}


def _match(
    row: Row[Any],
    texts: dict[int, tuple[float, tuple[str, ...]]],
    same_process: bool,
    same_service: bool,
) -> Match:
    score, shared = texts.get(row.id, (0.0, ()))
    return Match(
        improvement_id=row.id,
        same_process=same_process,
        same_service=same_service,
        shared_words=shared,
        score=score,
        closed_at=row.completed_at,
    )


def _shown(
    session: Session, rows: Sequence[Row[Any]], matches: list[Match]
) -> list[SimilarImprovement]:
    """The matches as people see them, with each objective's verdict (evaluated only for these)."""
    by_id = {row.id: row for row in rows}
    picked = store.with_ids(session, [m.improvement_id for m in matches])
    evaluations = evaluations_of(session, picked)
    shown = []
    for m in matches:
        row = by_id[m.improvement_id]
        shown.append(
            SimilarImprovement(
                id=format_id(row.id),
                title=row.title,
                process=row.process,
                service=row.service,
                closed_at=row.completed_at,
                verdicts=tuple(Verdict(e.metric, e.verdict) for e in evaluations[row.id]),
                lessons=(row.lessons_learned or "").strip() or None,
                same_process=m.same_process,
                same_service=m.same_service,
                shared_words=m.shared_words,
            )
        )
    return shown
