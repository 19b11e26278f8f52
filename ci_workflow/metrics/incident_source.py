"""``kind: incidents``: ready metric templates over imported incident records.

| metric | formula, over the window |
| --- | --- |
| incident_count | incidents opened |
| problem_linked_count | incidents opened that are linked to a problem record |
| mttr_hours | mean hours from opened to resolved, of incidents resolved |
| mttr_median_hours | median hours from opened to resolved, of incidents resolved |
| sla_met_pct | 100 × share of incidents resolved that met their SLA (where known) |
| reopen_pct | 100 × share of incidents resolved that were reopened at least once (where known) |

A share is over the incidents where its field is known: an unknown is never read as "no". With no
incident where it is known, the metric has no value (an error saying so), not 0.

``filter`` narrows by ``category``, ``service``, ``priority`` and ``assignment_group`` (exact);
``database`` reads another store's ``incidents`` table instead of the register's. An incident
deleted in the ITSM tool it was synced from (``store.intake.deletions``) is counted no more.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Float, case, cast, func, select, true
from sqlalchemy.sql import ColumnElement

from ci_workflow.domain.improvement.sources import IncidentsSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.errors import MetricError
from ci_workflow.metrics import finite
from ci_workflow.store.intake.incidents import TABLE, incidents_engine


def read(source: IncidentsSource, window: Window) -> float:
    engine = incidents_engine(source.database)
    figure, where = _template(source.metric, window, engine.dialect.name)
    # Only the register's own incidents are synced, so only they may be deleted in the tool.
    filters: ColumnElement[bool] = true() if source.database else _in_the_tool()
    for name, wanted in source.filter.items():
        filters = filters & (TABLE.c[name] == wanted)
    where = where & filters
    with engine.connect() as connection:
        if source.metric in MEDIANS:
            hours = connection.execute(select(cast(figure, Float)).where(where)).scalars().all()
            value = statistics.median(hours) if hours else None
        else:
            value = connection.execute(select(cast(figure, Float)).where(where)).scalar()
        if value is None:
            raise MetricError(_no_value(source.metric, window, connection, filters))
    return finite(value)


def _no_value(
    metric: str, window: Window, connection: Connection, filters: ColumnElement[bool]
) -> str:
    """Why a metric has no value: nothing in the window, or nothing where its field is known."""
    counted = "opened" if metric.endswith("count") else "resolved"
    field = UNKNOWN_WHEN_NULL.get(metric)
    resolved = TABLE.c.resolved_at
    where = filters & (resolved > window.start) & (resolved <= window.end)
    resolved_count = connection.execute(select(func.count()).where(where)).scalar() or 0
    if field is None or not resolved_count:
        return f"no incidents {counted} in the window for {metric}"
    return (
        f"no value for {metric}: none of the {resolved_count} incidents resolved in the window "
        f"has a known {field}"
    )


def read_each(metric: str, column: str, window: Window) -> dict[str, float]:
    """The same template filtered on each value of ``column`` at once (one query, not one per
    value): what ``read`` gives with ``filter: {column: value}``, for every value that has one."""
    engine = incidents_engine(None)
    figure, where = _template(metric, window, engine.dialect.name)
    group = TABLE.c[column]
    where = where & group.is_not(None) & _in_the_tool()
    with engine.connect() as connection:
        if metric in MEDIANS:
            each: dict[str, list[float]] = defaultdict(list)
            for value, hours in connection.execute(select(group, cast(figure, Float)).where(where)):
                each[value].append(hours)
            return {value: finite(statistics.median(h)) for value, h in each.items()}
        query = select(group, cast(figure, Float)).where(where).group_by(group)
        return {value: finite(v) for value, v in connection.execute(query) if v is not None}


def _in_the_tool() -> ColumnElement[bool]:
    """Not deleted in the ITSM tool it was synced from."""
    return TABLE.c.deleted_at.is_(None)


# The figures read row by row and reduced here: a median has no portable SQL aggregate.
MEDIANS = {"mttr_median_hours"}

# The shares whose field may be unknown (NULL): taken over the incidents where it is known.
UNKNOWN_WHEN_NULL = {"sla_met_pct": "SLA result", "reopen_pct": "reopen count"}


def _template(
    metric: str, window: Window, dialect: str
) -> tuple[ColumnElement[Any], ColumnElement[bool]]:
    """The metric's figure and the incidents it is taken over."""
    table = TABLE
    opened, resolved = table.c.opened_at, table.c.resolved_at
    in_window = (opened > window.start) & (opened <= window.end)
    resolved_in_window = (resolved > window.start) & (resolved <= window.end)
    hours = _hours(dialect, opened, resolved)
    figures: dict[str, tuple[ColumnElement[Any], ColumnElement[bool]]] = {
        "incident_count": (func.count(), in_window),
        "problem_linked_count": (func.count(), in_window & table.c.problem_id.is_not(None)),
        "mttr_hours": (func.avg(hours), resolved_in_window),
        "mttr_median_hours": (hours, resolved_in_window),
        "sla_met_pct": (
            100 * func.avg(case((table.c.sla_met, 1.0), else_=0.0)),
            resolved_in_window & table.c.sla_met.is_not(None),
        ),
        "reopen_pct": (
            100 * func.avg(case((table.c.reopen_count > 0, 1.0), else_=0.0)),
            resolved_in_window & table.c.reopen_count.is_not(None),
        ),
    }
    return figures[metric]  # the source model admits only these metrics


def _hours(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600
    return func.timestampdiff(func.literal_column("SECOND"), start, end) / 3600  # MySQL
