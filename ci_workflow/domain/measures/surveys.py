"""A survey's result: the answers to one question on a scale from 1 to N, how many answered each
point, their mean (the objective's value) and spread (sample standard deviation); read from the
counts per point or from a CSV file of responses, one a row.

A file is read whole before anything is kept: its first problem is named by line and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from ci_workflow.domain.vocabulary import KpiKind
from ci_workflow.errors import UsageError

# The objectives a survey measures: how satisfied customers or staff are.
SURVEYED = (KpiKind.customer_satisfaction, KpiKind.employee_engagement)
MIN_SCALE, MAX_SCALE = 2, 10  # 1 to 2 … 1 to 10 points
MAX_QUESTION = 500
MAX_FILE_BYTES = 2_000_000
MAX_RESPONSES = 100_000
ANSWER_COLUMN = "answer"
_WHOLE = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True)
class Survey:
    question: str
    scale: int  # answers are 1 … scale
    counts: tuple[int, ...]  # how many answered 1, 2, … scale

    @property
    def responses(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float:
        return sum(point * n for point, n in enumerate(self.counts, 1)) / self.responses

    @property
    def sd(self) -> float:
        """The sample standard deviation (n − 1); 0 for a single answer."""
        if self.responses < 2:
            return 0.0
        mean = self.mean
        squares = sum(n * (point - mean) ** 2 for point, n in enumerate(self.counts, 1))
        return math.sqrt(squares / (self.responses - 1))

    def statement(self) -> str:
        """``42 answers on 1–5, SD 0.93``: what the value stands on."""
        return f"{self.responses} answers on 1–{self.scale}, SD {self.sd:.2f}"


def survey(question: str, scale: int, counts: list[int] | tuple[int, ...]) -> Survey:
    """A survey from the counts per scale point, the lowest first; every field checked."""
    text = " ".join(question.split())
    if not text:
        raise UsageError("question: say which question was asked")
    if len(text) > MAX_QUESTION:
        raise UsageError(f"question: at most {MAX_QUESTION} characters")
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise UsageError(f"scale: {MIN_SCALE} to {MAX_SCALE} points (answers 1 … N), not {scale}")
    if len(counts) != scale:
        raise UsageError(
            f"answers per point: {len(counts)} numbers for a scale of {scale} points "
            f"(one for each of 1 … {scale}, 0 where nobody answered)"
        )
    if any(n < 0 for n in counts):
        raise UsageError("answers per point: a count cannot be negative")
    if sum(counts) == 0:
        raise UsageError("answers per point: nobody answered")
    if sum(counts) > MAX_RESPONSES:
        raise UsageError(f"answers per point: at most {MAX_RESPONSES} answers")
    return Survey(text, scale, tuple(counts))


def parse_counts(text: str) -> list[int]:
    """``2, 3, 10, 20, 12`` as typed in a form or on the command line."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    try:
        return [int(p) for p in parts if p != ""]
    except ValueError:
        raise UsageError(
            f"answers per point: whole numbers separated by commas, not {text.strip()!r}"
        ) from None


def survey_from_csv(question: str, scale: int, data: bytes) -> Survey:
    """One response a row, with a header: the column ``answer`` (or the only column) holds a
    whole number from 1 to ``scale``; other columns are left alone, empty lines skipped."""
    try:
        return _responses(question, scale, data)
    except csv.Error as error:  # a cell past the csv module's limit of 131,072 characters
        raise UsageError(f"file: not read as CSV ({error}); nothing was recorded") from None


def _responses(question: str, scale: int, data: bytes) -> Survey:
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"file: at most {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UsageError(f"file: line {line} is not UTF-8 text") from None
    survey(question, scale, [1] * scale)  # the question and scale first: no file is read for them
    rows = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    header = next(rows, None)
    if not header:
        raise UsageError("file: empty; the first line names the columns, e.g. answer")
    column = _answer_column(header)
    counts = [0] * scale
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = rows.line_num
        cell = row[column].strip() if column < len(row) else ""
        if not _WHOLE.fullmatch(cell) or not 1 <= int(cell) <= scale:
            raise UsageError(
                f"file: line {line}, column {header[column].strip()}: {cell!r} is not a whole "
                f"number from 1 to {scale}; nothing was recorded"
            )
        counts[int(cell) - 1] += 1
        if sum(counts) > MAX_RESPONSES:
            raise UsageError(f"file: line {line}: more than {MAX_RESPONSES} responses")
    if sum(counts) == 0:
        raise UsageError("file: no response below the header line")
    return survey(question, scale, counts)


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    if ";" in first and "," not in first:
        return _Semicolon
    if "\t" in first and "," not in first:
        return csv.excel_tab
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _answer_column(header: list[str]) -> int:
    names = [cell.strip().casefold() for cell in header]
    if ANSWER_COLUMN in names:
        return names.index(ANSWER_COLUMN)
    if len(names) == 1:
        return 0
    raise UsageError(
        f"file: line 1 names no column {ANSWER_COLUMN!r} ({', '.join(map(repr, header))}); "
        "name the column of the answers so"
    )
