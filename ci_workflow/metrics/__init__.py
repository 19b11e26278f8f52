"""Metric sources: where an objective's number comes from, one module per kind.

``measure(source, window)`` returns one finite number or raises ``MetricError`` with a reason
fit to be stored and shown (never a credential). Kinds: sql, csv, http, python, incidents
(templates over imported incident records); ``manual``
values are recorded by people (``improve record``), never fetched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ci_workflow.errors import MetricError
from ci_workflow.metrics.window import Window

__all__ = ["MetricError", "Window", "is_fetched", "measure"]


Reader = Callable[[dict[str, Any], Window], float]


def _readers() -> dict[str, Reader]:
    # Imported on use: a capture that reads only CSV files need not load a database driver.
    from ci_workflow.metrics import (
        csv_source,
        http_source,
        incident_source,
        python_source,
        sql_source,
    )

    return {
        "sql": sql_source.read,
        "incidents": incident_source.read,
        "csv": csv_source.read,
        "http": http_source.read,
        "python": python_source.read,
    }


def is_fetched(source: dict[str, Any]) -> bool:
    """Manual metrics are typed in by people; every other kind is fetched by a capture."""
    return source.get("kind") != "manual"


def measure(source: dict[str, Any], window: Window) -> float:
    kind = source.get("kind")
    reader = _readers().get(str(kind))
    if reader is None:
        raise MetricError(f"source kind {kind!r} cannot be captured automatically")
    value = reader(source, window)
    return finite(value)


def finite(value: Any) -> float:
    """The value as a float, if it is a real, finite number."""
    if isinstance(value, bool) or value is None:
        raise MetricError(f"not a number: {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetricError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise MetricError(f"not a finite number: {number}")
    return number
