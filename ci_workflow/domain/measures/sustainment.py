"""Did the gain hold? After an improvement closes, each objective keeps being measured for its
sustainment period (``sustain: 90d`` in its file), and each measurement says how much of the gain
is kept: (measured − baseline) ÷ (achieved − baseline), achieved being the last measurement
between the start of execution and the close. 100 % is the gain whole, 0 % back at baseline,
above 100 % better still, below 0 % worse than before.

A measurement that keeps less than the improvement's share (``sustain_keep: 50%``, default half)
is a regression: the threshold is baseline + share × gain, on the metric's own scale. No
baseline, nothing measured after the change, or no gain made (achieved not past the baseline in
the objective's direction): nothing to keep, no threshold.

Every sustainment measurement counts, the first one too: it is stamped at the checkpoint its
cadence calls for, which may be at or before the moment of closing.

Once regressed, the improvement stays flagged: the register keeps when and why (history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ci_workflow.domain.measures.evaluation import Point
from ci_workflow.domain.numbers import number, percent

MAX_DAYS = 3 * 366
DEFAULT_KEEP = 0.5
_PERIOD = re.compile(r"^([1-9]\d{0,3})([dw])$")
_KEEP = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?) ?%$")


class Held(StrEnum):
    measuring = "measuring"  # in its sustainment period, holding so far
    held = "held"  # the period ended and no measurement went back past the threshold
    regressed = "regressed"
    unknown = "unknown"  # no threshold: no measurement after the change, no baseline, no gain


def parse_sustain(text: str) -> int:
    """``90d`` or ``12w`` as days (1 day to 3 years)."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"not a sustainment period: {text!r} (e.g. 90d, 12w)")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if days > MAX_DAYS:
        raise ValueError(f"a sustainment period is at most {MAX_DAYS} days")
    return days


def parse_keep(text: str) -> float:
    """``50%`` as the share of one it is (0.5): how much of its gain an improvement must keep,
    0 % (not worse than before) to 100 % (the whole gain)."""
    match = _KEEP.match(text)
    if not match:
        raise ValueError(f"not a share of the gain: {text!r} (e.g. 50%)")
    share = float(match.group(1))
    if share > 100:
        raise ValueError("a share of the gain to keep is at most 100%")
    return share / 100


def keep_text(share: float) -> str:
    """A share to keep as the file writes it: 0.5 is ``50%``."""
    return f"{number(share * 100)}%"


@dataclass(frozen=True)
class Threshold:
    value: float
    how: str  # how it was set, in words


@dataclass(frozen=True)
class Gain:
    """What the improvement gained: from its baseline to what it achieved by closing."""

    baseline: float
    achieved: float

    def kept(self, value: float) -> float:
        """The share of the gain a measurement keeps (1 whole, 0 none)."""
        return (value - self.baseline) / (self.achieved - self.baseline)


@dataclass(frozen=True)
class Sustainment:
    held: Held
    threshold: Threshold | None
    points: tuple[Point, ...]  # measured after closing
    breach: Point | None  # the first measurement past the threshold
    ends: datetime
    gain: Gain | None = None
    keep: float = DEFAULT_KEEP
    why: str = "nothing was measured after the change"  # without a threshold

    @property
    def kept(self) -> float | None:
        """The share of the gain the latest measurement keeps (None: nothing to tell)."""
        if self.gain is None or not self.points:
            return None
        return self.gain.kept(self.points[-1].value)

    @property
    def statement(self) -> str:
        if self.threshold is None or self.gain is None:
            return f"no threshold: {self.why}"
        keep = f"at least {percent(self.keep * 100)} to keep"
        if self.held == Held.regressed and self.breach is not None:
            return (
                f"kept {percent(self.gain.kept(self.breach.value) * 100)} of the gain, "
                f"below the {percent(self.keep * 100)} to keep: {number(self.breach.value)} on "
                f"{self.breach.at:%Y-%m-%d} (baseline {number(self.gain.baseline)}, "
                f"{number(self.gain.achieved)} at closing)"
            )
        latest = (
            f"latest {number(self.points[-1].value)}, {percent((self.kept or 0) * 100)} "
            "of the gain kept"
            if self.points
            else "nothing measured yet"
        )
        if self.held == Held.held:
            return f"held to {self.ends:%Y-%m-%d}: {latest} ({keep})"
        return f"holding so far ({latest}, {keep}); measured until {self.ends:%Y-%m-%d}"


def gain_made(*, direction: str, baseline: float | None, after_change: list[float]) -> Gain | str:
    """The gain to keep, or why there is none."""
    if baseline is None:
        return "no baseline"
    if not after_change:
        return "nothing was measured after the change"
    gained = after_change[-1] - baseline
    if (gained if direction == "increase" else -gained) <= 0:
        return (
            f"no gain to keep ({number(after_change[-1])} at closing, baseline {number(baseline)})"
        )
    return Gain(baseline, after_change[-1])


def threshold(gain: Gain, keep: float) -> Threshold:
    """Where the metric must not go back past: the share to keep of the gain."""
    return Threshold(
        gain.baseline + (gain.achieved - gain.baseline) * keep,
        f"{percent(keep * 100)} of the gain kept",
    )


def assess(
    *,
    direction: str,
    baseline: float | None,
    points: list[Point],
    started_at: datetime | None,
    closed_at: datetime,
    days: int,
    now: datetime,
    keep: float = DEFAULT_KEEP,
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
    kept = tuple(p for p in points if p.kind == "sustain" and p.at <= ends)
    gain = gain_made(direction=direction, baseline=baseline, after_change=after_change)
    if isinstance(gain, str):
        return Sustainment(Held.unknown, None, kept, None, ends, keep=keep, why=gain)
    found = threshold(gain, keep)
    breach = next((p for p in kept if gain.kept(p.value) < keep), None)
    held = Held.regressed if breach else Held.held if now >= ends else Held.measuring
    return Sustainment(held, found, kept, breach, ends, gain, keep)


@dataclass(frozen=True)
class HoldAnswer:
    """The review report's "did it hold" section: a line for the whole, and each objective."""

    line: str
    objectives: list[tuple[str, Sustainment]]
