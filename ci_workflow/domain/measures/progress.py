"""How far an objective has come, and whether its trend reaches the target by the due date."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time


@dataclass(frozen=True)
class Progress:
    latest: float | None
    latest_at: datetime | None
    achieved_pct: float | None  # share of the way from baseline to target, in %
    projected: float | None  # the checkpoints' straight line, read at the due date
    track: str  # "on track", "off track", "met", or "unknown"
    reason: str


def assess(
    *,
    baseline: float | None,
    target: float,
    direction: str,
    due: datetime,
    points: list[tuple[datetime, float]],
) -> Progress:
    """``points`` are (checkpoint time, value), oldest first."""
    if not points:
        return Progress(None, None, None, None, "unknown", "no measurement yet")
    latest_at, latest = points[-1]
    achieved = None
    if baseline is not None and target != baseline:
        achieved = (latest - baseline) / (target - baseline) * 100

    def reaches(value: float) -> bool:
        return value >= target if direction == "increase" else value <= target

    if reaches(latest):
        return Progress(
            latest, latest_at, achieved, None, "met", "the latest value meets the target"
        )
    times = [p[0].timestamp() / 86400 for p in points]
    if len(points) < 2 or len(set(times)) < 2:
        return Progress(
            latest, latest_at, achieved, None, "unknown", "needs two checkpoints or more"
        )
    slope, intercept = statistics.linear_regression(times, [p[1] for p in points])
    projected = slope * due.timestamp() / 86400 + intercept
    if reaches(projected):
        return Progress(
            latest,
            latest_at,
            achieved,
            projected,
            "on track",
            "the trend reaches the target by the due date",
        )
    return Progress(
        latest,
        latest_at,
        achieved,
        projected,
        "off track",
        "the trend misses the target at the due date",
    )


def end_of(day: date) -> datetime:
    """The due date as a moment: the end of that day, UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
