"""Did we get there? Each objective's result against its target, and whether its measurements
show a real shift (a statistical test and a control chart), not one lucky number. No I/O.

- achieved % = (final − baseline) ÷ (target − baseline) × 100; verdict ``met`` at 100 % or more,
  ``partially met`` at 50 % or more, else ``not met`` (``not measured`` without a final value).
- Execution started when the improvement's file says (``started:``, for history replayed by a
  backfill), else when its trail first shows it moved to executing (``execution_start``).
- Sides: a measurement is before the start when taken before it, after it when its whole window
  (``window: 30d`` ending at the measurement) lies after the start; one whose window straddles
  the start is on neither side, and the statement says how many.
- Shift: the measurements before execution started against those after, by Welch's t-test
  (scipy.stats.ttest_ind, unequal variances) with Cohen's d as the effect size; 3 a side at least.
  The test takes independent values, so each side is thinned to measurements whose windows do
  not overlap (weekly checkpoints over 30-day windows share most of their data); the statement
  says when it was.
- XmR (individuals) chart: centre and limits (centre ± 2.66 × mean moving range) from those
  non-overlapping measurements before execution started; signals are measurements after it
  beyond a limit and runs of 8 or more on one side of the centre. With none after it, nothing is
  judged.
- Too little data is said with what is missing: measurements from before the start come only from
  history (a backfill); those after it come with the checkpoints, due on the improvement's cadence.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise

from ci_workflow.domain.measures.kpis import Figure, objective_kpi

MIN_PER_SIDE = 3
MIN_FOR_LIMITS = 2
RUN_LENGTH = 8


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    kind: str  # baseline, checkpoint, final


@dataclass(frozen=True)
class Shift:
    tested: bool
    statement: str
    p_value: float | None = None
    effect_size: float | None = None
    mean_before: float | None = None
    mean_after: float | None = None


@dataclass(frozen=True)
class ControlLimits:
    centre: float | None
    upper: float | None
    lower: float | None
    statement: str
    signals: tuple[int, ...] = field(default=())  # indexes into the points


@dataclass(frozen=True)
class Evaluation:
    metric: str
    description: str
    unit: str
    direction: str
    baseline: float | None
    target: float
    final: float | None
    change: float | None
    achieved_pct: float | None
    verdict: str
    kpi_kind: str
    kpi_name: str
    kpi: Figure
    shift: Shift
    limits: ControlLimits
    points: tuple[Point, ...]
    started_at: datetime | None = None  # where the points split into before and after


def execution_start(
    *, declared: datetime | None, first_executing: datetime | None, recorded: datetime | None
) -> datetime | None:
    """Where an improvement's measurements split into before and after: the start its file
    declares (history replayed); else when its trail first shows it moved to executing; else
    the start the register recorded (a trail without that event)."""
    return declared or first_executing or recorded


def verdict(achieved_pct: float | None) -> str:
    if achieved_pct is None:
        return "not measured"
    if achieved_pct >= 100:
        return "met"
    return "partially met" if achieved_pct >= 50 else "not met"


def evaluate(
    *,
    metric: str,
    description: str,
    unit: str,
    baseline: float | None,
    target: float,
    direction: str,
    kpi_kind: str,
    points: list[Point],
    started_at: datetime | None,
    upcoming: Sequence[datetime] = (),
    window: timedelta = timedelta(0),
) -> Evaluation:
    """``points`` oldest first; ``started_at`` is when execution started (None: not yet);
    ``upcoming``: when the next checkpoints are due, if more will come; ``window``: the period
    each measurement covers, ending at its time."""
    finals = [p for p in points if p.kind == "final"]
    measured = [p for p in points if p.kind in ("checkpoint", "final")]
    last = finals[-1] if finals else (measured[-1] if measured else None)
    final = last.value if last else None
    change = None if final is None or baseline is None else final - baseline
    achieved = None
    if change is not None and baseline is not None and target != baseline:
        achieved = change / (target - baseline) * 100
    before, after = sides(points, started_at, window)
    kpi_name, kpi = objective_kpi(kpi_kind, baseline, final, direction)
    tested_before, tested_after = apart(before, window), apart(after, window)
    judged_from = points.index(after[0]) if after else len(points)
    return Evaluation(
        metric=metric,
        description=description,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        final=final,
        change=change,
        achieved_pct=achieved,
        verdict=verdict(achieved),
        kpi_kind=kpi_kind,
        kpi_name=kpi_name,
        kpi=kpi,
        shift=_said_of(
            shift([p.value for p in tested_before], [p.value for p in tested_after], upcoming),
            (len(before), len(after), len(points) - len(before) - len(after)),
            (len(tested_before), len(tested_after)),
        ),
        limits=control_limits(
            [p.value for p in tested_before],
            [p.value for p in points],
            judged_from=judged_from,
        ),
        points=tuple(points),
        started_at=started_at,
    )


def sides(
    points: Sequence[Point], started_at: datetime | None, window: timedelta
) -> tuple[list[Point], list[Point]]:
    """The measurements before execution started (taken before it) and after it (whose whole
    window lies after it); one whose window straddles the start belongs to neither."""
    if started_at is None:
        return list(points), []
    before = [p for p in points if p.at < started_at]
    after = [p for p in points if p.at - window >= started_at]
    return before, after


def apart(points: Sequence[Point], window: timedelta) -> list[Point]:
    """The latest measurement and, going back, each one whose window ends before the window of
    the one kept after it begins: measurements that share no data, as a test of independent
    values needs (weekly checkpoints over 30-day windows share most of theirs)."""
    kept: list[Point] = []
    for p in reversed(points):
        if not kept or p.at <= kept[-1].at - window:
            kept.append(p)
    return kept[::-1]


def _said_of(found: Shift, counts: tuple[int, int, int], tested: tuple[int, int]) -> Shift:
    """The shift with which measurements it was tested on, where not all of them."""
    before, after, straddling = counts
    notes = []
    if tested != (before, after):
        notes.append(
            f"tested on {tested[0]} before and {tested[1]} after whose windows do not overlap, "
            f"of {before} and {after}"
        )
    if straddling:
        notes.append(
            f"{_count(straddling, 'measurement')} whose window straddles the start "
            f"{'is' if straddling == 1 else 'are'} on neither side"
        )
    if not notes:
        return found
    return replace(found, statement=f"{found.statement} ({'; '.join(notes)})")


def shift(before: list[float], after: list[float], upcoming: Sequence[datetime] = ()) -> Shift:
    if len(before) < MIN_PER_SIDE or len(after) < MIN_PER_SIDE:
        return Shift(
            False,
            f"too little data to test for a shift: {_count(len(before), 'measurement')} before "
            f"execution started and {len(after)} after; "
            + _still_needed(MIN_PER_SIDE - len(before), MIN_PER_SIDE - len(after), upcoming),
        )
    from scipy import stats

    mean_before, mean_after = statistics.fmean(before), statistics.fmean(after)
    spread = math.sqrt((statistics.variance(before) + statistics.variance(after)) / 2)
    if spread == 0:
        moved = "moved" if mean_after != mean_before else "did not move"
        return Shift(
            False,
            f"no variation to test: the values {moved} from {mean_before:g} to {mean_after:g}",
            None,
            None,
            mean_before,
            mean_after,
        )
    result = stats.ttest_ind(after, before, equal_var=False)
    p_value = float(result.pvalue)
    effect = (mean_after - mean_before) / spread
    real = p_value < 0.05
    statement = (
        f"the mean moved from {mean_before:.4g} to {mean_after:.4g} (Welch's t-test "
        f"p = {p_value:.3g}, Cohen's d = {effect:.2f}): "
        + ("a real shift" if real else "not distinguishable from noise")
        + " at the 5 % level"
    )
    return Shift(True, statement, p_value, effect, mean_before, mean_after)


def control_limits(
    baseline_period: list[float], values: list[float], *, judged_from: int = 0
) -> ControlLimits:
    """Limits from ``baseline_period``; signals among ``values`` from index ``judged_from`` on
    (the measurements after execution started: those before it made the limits)."""
    if len(baseline_period) < MIN_FOR_LIMITS:
        count = len(baseline_period)
        return ControlLimits(
            None,
            None,
            None,
            f"too little data for control limits: {_count(count, 'measurement')} before "
            f"execution started; " + _still_needed(MIN_FOR_LIMITS - count, 0, ()),
        )
    centre = statistics.fmean(baseline_period)
    moving = statistics.fmean(abs(b - a) for a, b in pairwise(baseline_period))
    upper, lower = centre + 2.66 * moving, centre - 2.66 * moving
    judged = list(enumerate(values))[judged_from:]
    signals = {i for i, v in judged if v > upper or v < lower}
    side, run = 0, 0
    for i, v in judged:
        now = (v > centre) - (v < centre)
        run = run + 1 if now == side and now != 0 else 1
        side = now
        if run >= RUN_LENGTH:
            signals.update(range(i - run + 1, i + 1))
    beyond = sum(1 for _, v in judged if v > upper or v < lower)
    limits = (
        f"centre {centre:.4g}, limits {lower:.4g} to {upper:.4g} from {len(baseline_period)} "
        "measurements before execution"
    )
    if not judged:
        return ControlLimits(
            centre, upper, lower, f"{limits}; no measurement after it yet: nothing to judge"
        )
    statement = (
        f"{limits}; {beyond} point(s) beyond the limits"
        + (f", and runs of {RUN_LENGTH}+ on one side" if len(signals) > beyond else "")
        + (": a signal of real change" if signals else ": no signal of change")
    )
    return ControlLimits(centre, upper, lower, statement, tuple(sorted(signals)))


def _still_needed(before: int, after: int, upcoming: Sequence[datetime]) -> str:
    """What is missing and where it comes from: ``before`` more measurements from before the
    start (only history has them), ``after`` more checkpoints after it (due on ``upcoming``)."""
    wanted, notes = [], []
    if before > 0:
        wanted.append(f"{before} more before the start")
        notes.append(("those before " if after > 0 else "") + "from history, by a backfill")
    if after > 0:
        wanted.append(f"{_count(after, 'more checkpoint')} after {'it' if wanted else 'the start'}")
        if after <= len(upcoming):
            when = f"by about {upcoming[after - 1]:%Y-%m-%d} on its schedule"
            notes.append(f"the checkpoint{'s' * (after > 1)} {when}" if before > 0 else when)
    verb = "is" if len(wanted) == 1 and max(before, after) == 1 else "are"
    said = f"{' and '.join(wanted)} {verb} needed"
    return f"{said} ({'; '.join(notes)})" if notes else said


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
