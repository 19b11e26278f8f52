"""The practice page's figures, added up once and kept while nothing they come from changed.

Adding up a register of 10,000 improvements (every evaluation, every gate's wait) takes a
second or more; the page is read far more often than the register changes. The figures are kept
per period asked for, and dropped when the register's data version moves (an improvement, a
decision, a measurement, an event of the trail but a sign-in) or after ``FRESH`` seconds, since
waits grow with the clock. The page says when they were added up. One request adds them up at
a time: the others asking meanwhile wait for its figures rather than add them up again beside it
(on a busy workspace, twenty at once would each take twenty times as long).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import OrderedDict, defaultdict
from datetime import datetime
from typing import Any

from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import UsageError
from ci_workflow.reports.charts import gate_wait_chart, trend_chart
from ci_workflow.schemas import PendingGate, WaitingByApprover
from ci_workflow.services.reporting.practice import period, practice_view
from ci_workflow.services.views.waiting_gates import pending_gates
from ci_workflow.store.data_version import data_version
from ci_workflow.store.db import transaction

FRESH = 300.0
KEPT = 8  # periods kept at once
SHOWN_GATES = 50

_lock = threading.Lock()
_adding = threading.Lock()  # held while figures are added up
_kept: OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any]]] = OrderedDict()


def practice_page(start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """The page's figures for the period (default: the last 12 months), kept or added up now."""
    with transaction(write=False) as session:
        version = data_version(session)
        register = str(session.get_bind().engine.url)  # one process may serve several
    key = (register, start, end, version)
    kept = _kept_for(key)
    if kept is not None:
        return kept
    with _adding:
        kept = _kept_for(key)  # added up while this request waited
        if kept is not None:
            return kept
        figures = _added_up(start, end)
        with _lock:
            _kept[key] = (time.monotonic(), figures)
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return figures


def _kept_for(key: tuple[Any, ...]) -> dict[str, Any] | None:
    with _lock:
        found = _kept.get(key)
        if found is not None and time.monotonic() - found[0] < FRESH:
            _kept.move_to_end(key)
            return found[1]
    return None


def _added_up(start: datetime | None, end: datetime | None) -> dict[str, Any]:
    first, last = period(start, end)
    if first >= last:
        raise UsageError("the period must start before it ends")
    gates = pending_gates()
    figures = practice_view(first, last)
    flow = figures["flow"]
    return figures | {
        "waiting": waiting_by_approver(gates),
        "gates": gates[:SHOWN_GATES],
        "gates_total": len(gates),
        "added_up_at": utcnow(),
        # The practice report's charts, drawn once with the figures (SVG, no script).
        "charts": {
            "trend": trend_chart(flow.trend),
            "gates": gate_wait_chart(flow.gates, flow.overdue_days),
        },
    }


def waiting_by_approver(gates: list[PendingGate]) -> list[WaitingByApprover]:
    """For each person who may decide a waiting gate: how many wait, the oldest, the median."""
    ages: dict[str, list[float]] = defaultdict(list)
    for gate in gates:
        for person in gate.deciders or ["nobody"]:
            ages[person].append(gate.waiting_days)
    return sorted(
        (
            WaitingByApprover(
                approver=name,
                waiting=len(days),
                oldest_days=max(days),
                median_days=statistics.median(days),
            )
            for name, days in ages.items()
        ),
        key=lambda w: (-w.oldest_days, w.approver),
    )
