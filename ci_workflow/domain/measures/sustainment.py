"""Did the gain hold? After an improvement closes, each objective keeps being measured for its
sustainment period (``sustain: 90d`` in its file). A measurement that moves back past the
objective's threshold is a regression:

- the threshold is the post-change period's XmR limit on the side the metric must not go back to
  (centre ± 2.66 × mean moving range of the measurements taken after execution started, the upper
  limit for a ``decrease`` objective, the lower for an ``increase``), when that period has at least
  ``MIN_POINTS`` measurements;
- otherwise, half the gain lost: the value back past baseline + half the change the improvement
  achieved (baseline to its last measurement before closing).

Once regressed, the improvement stays flagged: the register keeps when and why (history).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from ci_workflow.domain.measures.evaluation import Point
from ci_workflow.domain.numbers import number

MAX_DAYS = 3 * 366
MIN_POINTS = 2
SHARE_OF_GAIN_LOST = 0.5
_PERIOD = re.compile(r"^([1-9]\d{0,3})([dw])$")


class Held(StrEnum):
    measuring = "measuring"  # in its sustainment period, holding so far
    held = "held"  # the period ended and no measurement went back past the threshold
    regressed = "regressed"
    unknown = "unknown"  # no threshold: no measurement after the change, or no baseline


def parse_sustain(text: str) -> int:
    """``90d`` or ``12w`` as days (1 day to 3 years)."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"not a sustainment period: {text!r} (e.g. 90d, 12w)")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if days > MAX_DAYS:
        raise ValueError(f"a sustainment period is at most {MAX_DAYS} days")
    return days


@dataclass(frozen=True)
class Threshold:
    value: float
    how: str  # how it was set, in words


@dataclass(frozen=True)
class Sustainment:
    held: Held
    threshold: Threshold | None
    points: tuple[Point, ...]  # measured after closing
    breach: Point | None  # the first measurement past the threshold
    ends: datetime

    @property
    def statement(self) -> str:
        if self.threshold is None:
            return "no threshold: nothing was measured after the change"
        latest = (
            f"latest {number(self.points[-1].value)}" if self.points else "nothing measured yet"
        )
        if self.held == Held.regressed and self.breach is not None:
            return (
                f"went back past {number(self.threshold.value)} ({self.threshold.how}): "
                f"{number(self.breach.value)} on {self.breach.at:%Y-%m-%d}"
            )
        if self.held == Held.held:
            return f"held to {self.ends:%Y-%m-%d}: {latest}, within {number(self.threshold.value)}"
        return (
            f"holding so far ({latest}, threshold {number(self.threshold.value)}, "
            f"{self.threshold.how}); measured until {self.ends:%Y-%m-%d}"
        )


def threshold(
    *, direction: str, baseline: float | None, after_change: list[float]
) -> Threshold | None:
    """Where the metric must not go back to (see the module's rules)."""
    if len(after_change) >= MIN_POINTS:
        centre = statistics.fmean(after_change)
        spread = 2.66 * statistics.fmean(abs(b - a) for a, b in pairwise(after_change))
        if direction == "decrease":
            return Threshold(centre + spread, "upper XmR limit after the change")
        return Threshold(centre - spread, "lower XmR limit after the change")
    if baseline is None or not after_change:
        return None
    gained = after_change[-1] - baseline
    return Threshold(baseline + gained * SHARE_OF_GAIN_LOST, "half the gain lost")


def assess(
    *,
    direction: str,
    baseline: float | None,
    points: list[Point],
    started_at: datetime | None,
    closed_at: datetime,
    days: int,
    now: datetime,
) -> Sustainment:
    """``points`` oldest first: every measurement of the objective (any kind)."""
    ends = closed_at + timedelta(days=days)
    after_change = [
        p.value
        for p in points
        if p.at <= closed_at
        and p.kind != "sustain"
        and started_at is not None
        and p.at >= started_at
    ]
    kept = tuple(p for p in points if p.kind == "sustain" and closed_at < p.at <= ends)
    found = threshold(direction=direction, baseline=baseline, after_change=after_change)
    if found is None:
        return Sustainment(Held.unknown, None, kept, None, ends)
    sign = 1 if direction == "decrease" else -1  # which side of the threshold is worse
    breach = next((p for p in kept if sign * (p.value - found.value) > 0), None)
    if breach is not None:
        return Sustainment(Held.regressed, found, kept, breach, ends)
    return Sustainment(Held.held if now >= ends else Held.measuring, found, kept, None, ends)


@dataclass(frozen=True)
class HoldAnswer:
    """The review report's "did it hold" section: a line for the whole, and each objective."""

    line: str
    objectives: list[tuple[str, Sustainment]]
