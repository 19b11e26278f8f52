"""Metric sources: where an objective's number comes from, one module per kind.

``measure(source, window)`` takes a source model (``ci_workflow.domain.improvement.sources``)
and returns one finite number, or raises ``MetricError`` with a reason fit to be stored and
shown (never a credential). A kind is one module with ``read(source, window) -> float``,
registered in ``READERS``; ``manual`` values are recorded by people (``improve record``),
never fetched.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

from ci_workflow.domain.improvement.sources import AnySource
from ci_workflow.domain.measures.window import Window
from ci_workflow.errors import MetricError

__all__ = ["MetricError", "Window", "finite", "measure"]

# Imported on use: a capture that reads only CSV files need not load a database driver.
READERS = {
    "sql": "ci_workflow.metrics.sql_source",
    "csv": "ci_workflow.metrics.csv_source",
    "http": "ci_workflow.metrics.http_source",
    "python": "ci_workflow.metrics.python_source",
    "incidents": "ci_workflow.metrics.incident_source",
}


def measure(source: AnySource, window: Window) -> float:
    module = READERS.get(source.kind)
    if module is None:
        raise MetricError(f"source kind {source.kind!r} cannot be captured automatically")
    value = importlib.import_module(module).read(source, window)
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
