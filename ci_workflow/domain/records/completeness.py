"""When an extract of incidents is complete: the first and last days its daily volume is steady.

An extract cut by a window ("incidents closed between two dates") holds few incidents opened
before the window (only those that lasted into it) and, at its end, misses those opened and not
yet closed: the volume ramps up from nothing and falls away at the edges. Inside the steady days
each incident opened is there whatever it became; outside them, what is there depends on how long
incidents took, so rates, shares and durations judged there describe the cut, not the service.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = 7
# A week is steady when it holds at least this share of the typical (median) week's incidents,
# or is within chance of it.
STEADY_SHARE = 0.8
# Under this many days the edges cannot be told from the middle: the whole span is taken.
MIN_DAYS = 4 * WEEK


@dataclass(frozen=True)
class Completeness:
    """The steady days ``first`` to ``last`` (both included) of the extract's ``start`` to
    ``end``; ``judged`` is false when the span was too short to tell and all of it is taken."""

    start: date
    end: date
    first: date
    last: date
    judged: bool

    @property
    def whole(self) -> bool:
        return self.first == self.start and self.last == self.end

    def describe(self) -> str:
        if not self.judged:
            return (
                f"data from {self.start} to {self.end}: under {MIN_DAYS} days, too short to "
                "tell whether it is complete, all of it used"
            )
        if self.whole:
            return f"data complete from {self.start} to {self.end} (steady daily volume)"
        return (
            f"data complete from {self.first} to {self.last} (steady daily volume); the "
            f"extract runs from {self.start} to {self.end}, and incidents opened outside the "
            "complete days are there only for how long they took (counted as entering late)"
        )


def complete_days(opened: Iterable[date]) -> Completeness | None:
    """The steady days of the incidents opened on ``opened`` (one date per incident): from the
    first day whose following week, to the last day whose preceding week, holds at least
    ``STEADY_SHARE`` of the median week. None without any incident."""
    counts = Counter(opened)
    if not counts:
        return None
    start, end = min(counts), max(counts)
    days = (end - start).days + 1
    if days < MIN_DAYS:
        return Completeness(start, end, start, end, judged=False)
    daily = [counts.get(start + timedelta(days=n), 0) for n in range(days)]
    weeks = [sum(daily[n : n + WEEK]) for n in range(days - WEEK + 1)]
    typical = statistics.median(weeks)
    # A week short by chance is not an edge: a count is taken for steady down to three standard
    # deviations (of a Poisson count) below the typical week too.
    floor = min(STEADY_SHARE * typical, typical - 3 * math.sqrt(typical))
    first = next(n for n, week in enumerate(weeks) if week >= floor)
    last = max(n for n, week in enumerate(weeks) if week >= floor) + WEEK - 1
    return Completeness(
        start, end, start + timedelta(days=first), start + timedelta(days=last), judged=True
    )
