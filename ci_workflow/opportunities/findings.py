"""What the detectors share: the incident rows they read, the finding they build (one builder for
all of them), and the small statistics they repeat."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MIN_INCIDENTS = 10
SIGNIFICANCE = 0.05
SAMPLES = 5


@dataclass(frozen=True)
class IncidentRow:
    number: str
    opened_at: datetime
    resolved_at: datetime | None
    category: str | None
    service: str | None
    priority: str | None
    assignment_group: str | None
    sla_met: bool | None
    reopen_count: int
    reassignment_count: int
    problem_id: str | None
    change_id: str | None

    @property
    def hours(self) -> float | None:
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.opened_at).total_seconds() / 3600


@dataclass(frozen=True)
class Finding:
    kind: str
    group_by: str
    group: str
    title: str
    evidence: dict[str, Any]
    value_hours: float  # estimated handling hours a year saved if the group reached the norm
    confidence: float  # 0..1
    objective: dict[str, Any]  # ready for the improvement file
    source: str  # the register's opportunity source: incident_trend, problem, sla_breach

    @property
    def score(self) -> float:
        """Impact × confidence: value hours (log-scaled to 0..1) times confidence, out of 100."""
        impact = min(1.0, math.log10(1 + self.value_hours) / 5)  # 100,000 h a year is the top
        return round(100 * impact * self.confidence, 1)


@dataclass
class Detection:
    start: datetime
    split: datetime
    end: datetime
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def yearly(self, hours: float) -> float:
        """Hours seen over the period, as hours a year."""
        days = max(1.0, (self.end - self.start).total_seconds() / 86400)
        return hours * 365 / days


Groups = dict[str, list[IncidentRow]]


def suggest(
    metric: str,
    filters: dict[str, str],
    *,
    window: str,
    baseline: float | str,
    target: float,
    direction: str,
    kpi_kind: str,
) -> dict[str, Any]:
    """The objective a finding suggests, over the ``incidents`` metric templates."""
    return {
        "metric": metric, "filter": filters, "window": window, "baseline": baseline,
        "target": target, "direction": direction, "kpi_kind": kpi_kind,
    }  # fmt: skip


def finding(
    kind: str,
    group_by: str,
    group: str,
    title: str,
    *,
    evidence: dict[str, Any],
    value_hours: float,
    confidence: float,
    objective: dict[str, Any],
    source: str = "incident_trend",
) -> Finding:
    """The one way a detector reports what it found."""
    return Finding(
        kind=kind, group_by=group_by, group=group, title=title, evidence=evidence,
        value_hours=round(value_hours, 1), confidence=confidence, objective=objective,
        source=source,
    )  # fmt: skip


def samples(
    members: list[IncidentRow], keep: Callable[[IncidentRow], bool] = lambda _: True
) -> list[str]:
    return sorted(i.number for i in members if keep(i))[:SAMPLES]


def median_hours(rows: list[IncidentRow]) -> float:
    hours = [h for h in (r.hours for r in rows) if h is not None]
    return statistics.median(hours) if hours else 0.0
