"""``kind: csv``: an aggregation over the rows of a CSV file whose timestamp falls in the window.

Rows with ``window_start < timestamp <= window_end`` count (timestamps without a zone are UTC),
optionally only those where ``filter`` columns equal the given values. Aggregations: ``count``;
``sum``, ``mean``, ``median``, ``p90`` of ``value_column``; ``rate`` = share of rows whose
``value_column`` is true (true/yes/y/1).
"""

from __future__ import annotations

import csv
import statistics
from datetime import datetime
from pathlib import Path

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.sources import CsvSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError, finite

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def read(source: CsvSource, window: Window) -> float:
    path = Path(source.path)
    column = source.timestamp_column
    value_column = source.value_column
    wanted = {str(k): str(v) for k, v in (source.filter or {}).items()}
    values: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            missing = {column, *wanted, *([value_column] if value_column else [])} - set(
                reader.fieldnames or []
            )
            if missing:
                raise MetricError(f"{path.name}: no column {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                if any(row[k] != v for k, v in wanted.items()):
                    continue
                at = _timestamp(row[column], source.timestamp_format, path.name, line)
                if window.start < at <= window.end:
                    values.append(row[value_column] if value_column else "")
    except OSError as error:
        raise MetricError(f"cannot read {path}: {error.strerror or error}") from None
    return _aggregate(source.aggregation, values, path.name)


def _timestamp(text: str, fmt: str | None, name: str, line: int) -> datetime:
    try:
        at = datetime.strptime(text.strip(), fmt) if fmt else datetime.fromisoformat(text.strip())
    except ValueError:
        raise MetricError(f"{name} line {line}: not a timestamp: {text!r}") from None
    return as_utc(at)


def _aggregate(aggregation: str, values: list[str], name: str) -> float:
    if aggregation == "count":
        return float(len(values))
    if aggregation == "rate":
        flags = [_flag(v, name) for v in values]
        if not flags:
            raise MetricError(f"{name}: no rows in the window, so no rate")
        return sum(flags) / len(flags)
    numbers = [finite(v) for v in values if v.strip() != ""]
    if aggregation == "sum":
        return float(sum(numbers))
    if not numbers:
        raise MetricError(f"{name}: no values in the window for {aggregation}")
    if aggregation == "mean":
        return statistics.fmean(numbers)
    if aggregation == "median":
        return float(statistics.median(numbers))
    if aggregation == "p90":
        return _percentile(numbers, 0.9)
    raise MetricError(f"unknown aggregation {aggregation!r}")


def _flag(text: str, name: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise MetricError(f"{name}: not a true/false value: {text!r}")


def _percentile(numbers: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), defined for one value too."""
    ordered = sorted(numbers)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
