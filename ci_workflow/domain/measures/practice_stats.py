"""How the practice itself flows, pure: gate waits by gate and by approver, the time spent in
each stage, stalled improvements, the quarterly trend of success and time to implement, and the
share of improvements by source. No I/O; every figure is as of the end of the period.

- median: ``statistics.median``; p90: nearest rank, the smallest value that 90 % of the values do
  not exceed (sorted, index ⌈0.9 n⌉ − 1), so it is always a wait that really happened.
- A gate's wait runs from its opening to its decision; an attempt refused or closed by a
  withdrawal is no decision. Open at the end: opened by then and not yet closed; each person who
  may decide it counts it.
- A stay in a stage runs from the move into it (``identified``: the identification date) to the
  next move; the stays that ended in the period are measured, those still running are counted.
- Stalled: open at the end of the period with no checkpoint, decision or move for ``days`` days
  or more (IMPROVE_STALL_DAYS, 30 by default).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from ci_workflow.domain.measures.kpis import Figure
from ci_workflow.domain.stages.lifecycle import OPEN, Status

DAY = 86_400.0
NOBODY = "nobody"  # an open gate nobody registered may decide


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: 90 % of the values are at most this one."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def days_between(first: datetime, last: datetime) -> float:
    return (last - first).total_seconds() / DAY


@dataclass(frozen=True)
class Spread:
    """How many, and their median and p90, in days (None when there are none)."""

    count: int
    median_days: float | None
    p90_days: float | None


def spread(days: Sequence[float]) -> Spread:
    return Spread(len(days), median(days), p90(days))


@dataclass(frozen=True)
class Wait:
    """A gate decided: which, by whom, opened and decided when."""

    gate: str
    approver: str
    opened_at: datetime
    decided_at: datetime


@dataclass(frozen=True)
class Waiting:
    """A gate still open: which, who may decide it, since when."""

    gate: str
    deciders: tuple[str, ...]
    opened_at: datetime


@dataclass(frozen=True)
class WaitFigures:
    name: str  # the gate, or the approver
    decided: Spread
    open_now: int
    oldest_open_days: float | None


# Gates whose wait is the team's own work (executing the plan, reworking it), not a decision
# waiting on someone: shown per gate (how long the work takes), never as an approver's wait.
WORK_GATES = frozenset({"execution_complete", "resubmitted"})


def waits_by(
    decided: Iterable[Wait],
    waiting: Iterable[Waiting],
    as_of: datetime,
    by: Literal["gate", "approver"],
) -> list[WaitFigures]:
    """The decided waits' spread and the gates open at ``as_of``, per gate or per approver (the
    decision gates only); the slowest (p90) first."""
    spans: dict[str, list[float]] = defaultdict(list)
    ages: dict[str, list[float]] = defaultdict(list)
    for wait in decided:
        if by == "gate" or wait.gate not in WORK_GATES:
            name = wait.gate if by == "gate" else wait.approver
            spans[name].append(days_between(wait.opened_at, wait.decided_at))
    for gate in waiting:
        if by == "approver" and gate.gate in WORK_GATES:
            continue
        for name in (gate.gate,) if by == "gate" else (gate.deciders or (NOBODY,)):
            ages[name].append(days_between(gate.opened_at, as_of))
    found = [
        WaitFigures(name, spread(spans[name]), len(ages[name]), max(ages[name], default=None))
        for name in spans.keys() | ages.keys()
    ]
    return sorted(found, key=lambda w: (-(w.decided.p90_days or 0), -w.open_now, w.name))


@dataclass(frozen=True)
class Stay:
    """An improvement's stay in one stage; ``left_at`` None while it is still there."""

    improvement_id: int
    status: str
    entered_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class StageFigures:
    stage: str
    left: Spread  # the stays that ended in the period
    in_it: int  # improvements in the stage at the end of the period


def stage_times(stays: Iterable[Stay], start: datetime, end: datetime) -> list[StageFigures]:
    """Per open stage, in lifecycle order: the stays that ended in (start, end], measured, and
    the improvements still in it at ``end``."""
    spans: dict[str, list[float]] = defaultdict(list)
    current: dict[str, int] = defaultdict(int)
    for stay in stays:
        if stay.left_at is not None and start < stay.left_at <= end:
            spans[stay.status].append(days_between(stay.entered_at, stay.left_at))
        if _covers(stay, end):
            current[stay.status] += 1
    return [
        StageFigures(stage, spread(spans[stage]), current[stage])
        for stage in Status
        if stage in OPEN
    ]


def _covers(stay: Stay, moment: datetime) -> bool:
    return stay.entered_at <= moment and (stay.left_at is None or stay.left_at > moment)


def status_at(stays: Iterable[Stay], moment: datetime) -> dict[int, str]:
    """Each improvement's stage at ``moment``, by its stays (those not yet identified: none)."""
    return {s.improvement_id: s.status for s in stays if _covers(s, moment)}


@dataclass(frozen=True)
class Activity:
    """An improvement and its latest checkpoint, decision or move up to the end of the period
    (its identification date when it has none)."""

    improvement_id: int
    title: str
    process: str
    last: datetime


@dataclass(frozen=True)
class Stall:
    improvement_id: int
    title: str
    process: str
    status: str
    last: datetime
    idle_days: float


def stalled(
    activity: Iterable[Activity], statuses: dict[int, str], as_of: datetime, days: float
) -> list[Stall]:
    """The improvements open at ``as_of`` idle ``days`` or more, the longest idle first."""
    found = [
        Stall(
            a.improvement_id,
            a.title,
            a.process,
            statuses[a.improvement_id],
            a.last,
            days_between(a.last, as_of),
        )
        for a in activity
        if statuses.get(a.improvement_id) in OPEN
    ]
    return sorted(
        (s for s in found if s.idle_days >= days), key=lambda s: (-s.idle_days, s.improvement_id)
    )


@dataclass(frozen=True)
class Closed:
    """What the quarterly trend needs of an improvement closed in the period."""

    identified_at: datetime
    completed_at: datetime
    successful: bool


@dataclass(frozen=True)
class Quarter:
    label: str  # 2026 Q3
    closed: int
    successful: int
    success_rate: Figure
    days_to_implement: Figure  # the mean, identified → closed


def quarter_of(moment: datetime) -> tuple[int, int]:
    return moment.year, (moment.month - 1) // 3 + 1


def quarterly(closed: Iterable[Closed], start: datetime, end: datetime) -> list[Quarter]:
    """Success rate and mean time to implement per calendar quarter (UTC) from the one holding
    ``start`` to the one holding ``end``; n/a with the reason in a quarter where none closed."""
    by_quarter: dict[tuple[int, int], list[Closed]] = defaultdict(list)
    for c in closed:
        by_quarter[quarter_of(c.completed_at)].append(c)
    (year, q), last = quarter_of(start.astimezone(UTC)), quarter_of(end.astimezone(UTC))
    found = []
    while (year, q) <= last:
        those = by_quarter[(year, q)]
        won = sum(1 for c in those if c.successful)
        none = Figure(None, "none closed")
        found.append(
            Quarter(
                f"{year} Q{q}",
                len(those),
                won,
                Figure(won / len(those)) if those else none,
                Figure(
                    statistics.fmean(days_between(c.identified_at, c.completed_at) for c in those)
                )
                if those
                else none,
            )
        )
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return found


@dataclass(frozen=True)
class Share:
    source: str
    count: int
    share: float


def shares(counts: dict[str, int]) -> list[Share]:
    """Each source's count and share of the total, the largest first."""
    total = sum(counts.values())
    return sorted(
        (Share(source, n, n / total) for source, n in counts.items() if n),
        key=lambda s: (-s.count, s.source),
    )


@dataclass(frozen=True)
class PracticeFlow:
    """Every figure of how the practice flowed over a period, as of ``as_of``, its end."""

    as_of: datetime
    overdue_days: float  # the gate watchdog's line, which a bottleneck's p90 passes
    stall_days: float
    gates: list[WaitFigures]
    approvers: list[WaitFigures]
    stages: list[StageFigures]
    stalls: list[Stall]
    trend: list[Quarter]
    sources: list[Share]
