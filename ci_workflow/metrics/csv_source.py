"""``kind: csv``: an aggregation over the rows of a CSV file whose timestamp falls in the window.

Rows with ``window_start < timestamp <= window_end`` count (timestamps without a zone are UTC),
optionally only those where ``filter`` columns equal the given values. Aggregations: ``count``;
``sum``, ``mean``, ``median``, ``p90`` of ``value_column``; ``rate`` = share of rows whose
``value_column`` is true (true/yes/y/1).
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.improvement.sources import CsvSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.metrics import MetricError, finite
from ci_workflow.metrics.access import readable_file
from ci_workflow.settings import get_settings

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def read(source: CsvSource, window: Window) -> float:
    settings = get_settings()
    path = readable_file(source.path, settings.roots, settings.source_max_bytes)
    name, column, value_column = path.name, source.timestamp_column, source.value_column
    wanted = {str(k): str(v) for k, v in (source.filter or {}).items()}
    values: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(_bounded(stream, settings.source_max_bytes, name))
            missing = {column, *wanted, *([value_column] if value_column else [])} - set(
                reader.fieldnames or []
            )
            if missing:
                raise MetricError(f"{name}: no column {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                if any(row[k] != v for k, v in wanted.items()):
                    continue
                at = _timestamp(
                    row[column], source.timestamp_format, f"{name} line {line}, {column}"
                )
                if window.start < at <= window.end:
                    values.append(row[value_column] if value_column else "")
    except OSError as error:
        raise MetricError(
            f"{name}: cannot read ({error.strerror or type(error).__name__})"
        ) from None
    except (UnicodeDecodeError, csv.Error):
        raise MetricError(f"{name}: not a UTF-8 CSV file") from None
    return _aggregate(source.aggregation, values, f"{name}, {value_column}")


def _bounded(stream: IO[str], limit: int, name: str) -> Iterator[str]:
    """The file's lines, refusing one that would take the read past ``limit`` characters."""
    total = 0
    for line in stream:
        total += len(line)
        if total > limit:
            raise MetricError(f"{name}: more than the {limit:,} bytes allowed")
        yield line


def _timestamp(text: str, fmt: str | None, where: str) -> datetime:
    try:
        at = datetime.strptime(text.strip(), fmt) if fmt else datetime.fromisoformat(text.strip())
    except ValueError:
        # The cell is not quoted: a source must not echo a file's content.
        raise MetricError(f"{where}: not a timestamp") from None
    return as_utc(at)


def _aggregate(aggregation: str, values: list[str], where: str) -> float:
    if aggregation == "count":
        return float(len(values))
    if aggregation == "rate":
        flags = [_flag(v, where) for v in values]
        if not flags:
            raise MetricError(f"{where}: no rows in the window, so no rate")
        return sum(flags) / len(flags)
    numbers = [_number(v, where) for v in values if v.strip() != ""]
    if aggregation == "sum":
        return float(sum(numbers))
    if not numbers:
        raise MetricError(f"{where}: no values in the window for {aggregation}")
    if aggregation == "mean":
        return statistics.fmean(numbers)
    if aggregation == "median":
        return float(statistics.median(numbers))
    if aggregation == "p90":
        return _percentile(numbers, 0.9)
    raise MetricError(f"unknown aggregation {aggregation!r}")


def _number(text: str, where: str) -> float:
    try:
        return finite(text)
    except MetricError:
        raise MetricError(f"{where}: a value that is not a finite number") from None


def _flag(text: str, where: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise MetricError(f"{where}: a value that is not true or false")


def _percentile(numbers: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), defined for one value too."""
    ordered = sorted(numbers)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
