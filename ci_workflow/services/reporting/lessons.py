"""Lessons learned, seen again: the closed improvements most like one being shaped (its page and
plan-approval summary), and the search of every closed improvement's lessons and texts.

Closeness is SQLite's full-text search over the closed improvements' texts (``closed_index``);
the improvement's page asks an index kept in memory, a plan-approval gate's text (opened by a
flow process that lives for one question) the same index kept in a file (``closed_file``), and
``improve lessons`` one built for the question.
"""

from __future__ import annotations

import heapq
import logging
import sqlite3
from collections.abc import Mapping
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
    closeness,
    ranked,
    terms,
)
from ci_workflow.services.reporting import closed_file
from ci_workflow.services.reporting.closed_index import ClosedIndex, index_of, kept_index
from ci_workflow.services.views.objective_results import evaluations_of
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as register
from ci_workflow.store.reporting import lessons as store
from ci_workflow.store.tables import Improvement

log = logging.getLogger("ci_workflow.lessons")

SHOWN_BESIDE = 3  # on an improvement's page and in its plan-approval summary
SHOWN_SEARCHED = 10


def similar_to(
    session: Session, improvement: Improvement, *, limit: int = SHOWN_BESIDE
) -> list[SimilarImprovement] | None:
    """The closed improvements most like ``improvement``, inside a caller's session; None once
    it is past approval (lessons are for shaping it: ``similarity.LOOKING_BACK``)."""
    if improvement.status not in LOOKING_BACK:
        return None
    try:
        matches = closed_file.closest(session, improvement, limit)
    except (OSError, sqlite3.Error) as error:  # no file kept: an index for this question alone
        log.warning("similar closed improvements: %s; the index is built for this one", error)
        rows, plans = store.closed_texts(session), store.closed_plans(session)
        with closing(index_of(rows, plans)) as index:
            matches = _closest(index, improvement, limit)
    return _shown(session, None, matches)


def similar_improvements(ref: str, *, limit: int = SHOWN_BESIDE) -> list[SimilarImprovement] | None:
    """``similar_to`` for the improvement's page, in a transaction of its own: the closed
    improvements' index is kept while the register stays the same (``closed_index``)."""
    with transaction(write=False) as session:
        improvement = register.get_improvement(session, ref)
        if improvement.status not in LOOKING_BACK:
            return None
        index = kept_index(session)
        return _shown(session, index.rows, _closest(index, improvement, limit))


def _closest(index: ClosedIndex, improvement: Improvement, limit: int) -> list[Match]:
    """``similarity.ranked`` of every other closed improvement, a ``Match`` made only of the
    ``limit`` closest: those with the process, the service or a word in common are ranked."""
    words = terms(improvement.title, improvement.vision, improvement.description)
    texts = index.text_matches(words)
    processes, services = index.alike(improvement.process, improvement.service)
    keyed = []
    for rowid in processes.union(services, texts):
        if rowid == improvement.id:
            continue
        row = index.rows[rowid]
        score, shared = texts.get(rowid, (0.0, ()))
        alike = rowid in processes, rowid in services
        key = closeness(*alike, bool(shared), score, row.completed_at, rowid)
        if key is not None:
            keyed.append((key, row, alike))
    closest = heapq.nsmallest(limit, keyed, key=lambda k: k[0])
    return [_match(row, texts, *alike) for _, row, alike in closest]


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
            return closed, _shown(session, {row.id: row for row in rows}, recent)
        rows = store.closed_texts(session, **where)
        with closing(index_of(rows, store.closed_plans(session, **where))) as index:
            texts = index.text_matches(terms(query))
            found = ranked((_match(row, texts, False, False) for row in rows), limit)
            return closed, _shown(session, index.rows, found)


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
    session: Session, by_id: Mapping[int, Any] | None, matches: list[Match]
) -> list[SimilarImprovement]:
    """The matches as people see them, with each objective's verdict (evaluated only for these);
    ``by_id``: their rows as the caller read them (None: the improvements read here)."""
    picked = store.with_ids(session, [m.improvement_id for m in matches])
    by_id = by_id if by_id is not None else {i.id or 0: i for i in picked}
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
