"""How long incidents last when an extract cuts them: the Kaplan–Meier estimate with entry times,
and the log-rank test between a group and the rest.

An extract of "incidents closed between two dates" holds an incident opened before the data is
complete only because it lasted past that day: it enters the risk set at the hours it had lasted
then (left truncation). An incident still open when the data ends has lasted at least that long
(right censoring). The median of the resolved ones describes the cut; the product-limit estimate
over who was at risk at each moment describes the service.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Spell:
    """One incident's time: ``hours`` to resolution, or to the end of the data while open
    (``resolved`` false); ``entry``, the hours it had lasted when the data began to see it."""

    hours: float
    resolved: bool
    entry: float = 0.0


def observed(spells: Sequence[Spell]) -> list[Spell]:
    """The spells the data can see: a spell ending before its entry was never in the extract."""
    return [s for s in spells if s.hours > s.entry]


class _RiskSets:
    """Who is at risk at a time ``t``: entered before it (``entry < t``) and not ended before it
    (``hours >= t``)."""

    def __init__(self, spells: Sequence[Spell]) -> None:
        self.entries = sorted(s.entry for s in spells)
        self.ends = sorted(s.hours for s in spells)

    def at(self, t: float) -> int:
        return bisect_left(self.entries, t) - bisect_left(self.ends, t)


def survival(spells: Sequence[Spell]) -> list[tuple[float, float]]:
    """The product-limit estimate: (time, share still unresolved just after it) at each time a
    resolution was seen, in order."""
    seen = observed(spells)
    risk = _RiskSets(seen)
    events = Counter(s.hours for s in seen if s.resolved)
    out, share = [], 1.0
    for t in sorted(events):
        at_risk = risk.at(t)
        share *= 1 - events[t] / at_risk
        out.append((t, share))
    return out


def median_hours(spells: Sequence[Spell]) -> float | None:
    """The first time the estimate falls to one half or below; None when it never does (more
    than half still open, as far as the data sees)."""
    return next((t for t, share in survival(spells) if share <= 0.5), None)


class LogRank:
    """One-sided log-rank tests of many groups against the rest of one pooled sample, each in
    time proportional to the group's size: the pooled hazards are summed once, and a group's
    expected resolutions and variance are read off those sums between the moments its own
    number at risk changes (it is constant in between)."""

    def __init__(self, pooled: Sequence[Spell]) -> None:
        import numpy

        seen = observed(pooled)
        risk = _RiskSets(seen)
        events = Counter(s.hours for s in seen if s.resolved)
        self.times = numpy.array(sorted(events), dtype=float)
        deaths = numpy.array([events[t] for t in self.times], dtype=float)
        at_risk = numpy.array([risk.at(t) for t in self.times], dtype=float)
        # d (n - d) / (n - 1): the part of each time's variance that is not the group's.
        weight = numpy.divide(
            deaths * (at_risk - deaths),
            at_risk - 1,
            out=numpy.zeros_like(deaths),
            where=at_risk > 1,
        )
        # Sums over the resolution times up to each one: expected and variance per one at risk.
        self.hazard = numpy.concatenate(([0.0], numpy.cumsum(deaths / at_risk)))
        self.spread = numpy.concatenate(([0.0], numpy.cumsum(weight / at_risk)))
        self.spread_sq = numpy.concatenate(([0.0], numpy.cumsum(weight / at_risk**2)))

    def _upto(self, sums: Any, x: Any) -> Any:
        import numpy

        return sums[numpy.searchsorted(self.times, x, side="right")]

    def longer_p_value(self, group: Sequence[Spell]) -> float:
        """The p-value that the group's incidents last longer than the rest's: of seeing so few
        resolutions in it, given who of it was at risk each time one happened. 1.0 when
        nothing can be compared."""
        import numpy

        mine = observed(group)
        if not mine:
            return 1.0
        entries = numpy.sort(numpy.array([s.entry for s in mine], dtype=float))
        ends = numpy.sort(numpy.array([s.hours for s in mine], dtype=float))
        seen = sum(1 for s in mine if s.resolved)
        expected = float((self._upto(self.hazard, ends) - self._upto(self.hazard, entries)).sum())
        # The group's number at risk is constant between consecutive entries and ends.
        marks = numpy.unique(numpy.concatenate((entries, ends)))
        at_risk = numpy.searchsorted(entries, marks, "right") - numpy.searchsorted(
            ends, marks, "right"
        )
        step = numpy.diff(self._upto(self.spread, marks))
        step_sq = numpy.diff(self._upto(self.spread_sq, marks))
        n = at_risk[:-1]
        variance = float((n * step - n**2 * step_sq).sum())
        if variance <= 0:
            return 1.0
        z = (seen - expected) / math.sqrt(variance)
        return 0.5 * math.erfc(-z / math.sqrt(2))  # P(Z <= z): fewer resolutions than expected
