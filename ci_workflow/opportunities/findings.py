"""What the detectors share: the incident rows they read, the finding they build (one builder for
all of them), and the small statistics they repeat."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

MIN_INCIDENTS = 10
SIGNIFICANCE = 0.05
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One incident as the detectors read it; a count is None when the export did not give it."""

    number: str
    opened_at: datetime
    resolved_at: datetime | None
    category: str | None
    service: str | None
    priority: str | None
    assignment_group: str | None
    sla_met: bool | None
    reopen_count: int | None
    reassignment_count: int | None
    ping_pong_count: int | None
    problem_id: str | None
    change_id: str | None

    # Elapsed hours from opened to resolved, worked out once: None when unresolved (or resolved
    # "before" opened, which an import refuses but older data may hold).
    hours: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.resolved_at is not None and self.resolved_at >= self.opened_at:
            elapsed = (self.resolved_at - self.opened_at).total_seconds() / 3600
            object.__setattr__(self, "hours", elapsed)


@dataclass(frozen=True)
class Finding:
    kind: str
    group_by: str
    group: str
    title: str
    evidence: dict[str, Any]
    # Incident-hours a year (elapsed, opened to resolved) the group would save at the norm.
    value_hours: float
    confidence: float  # 0..1
    objective: dict[str, Any]  # ready for the improvement file
    source: str  # the register's opportunity source: incident_trend, problem, sla_breach

    @property
    def score(self) -> float:
        """The expected value: incident-hours a year × confidence. Unbounded, so findings of
        different sizes never tie at a cap."""
        return round(self.value_hours * self.confidence, 1)

    @property
    def ranking(self) -> str:
        """Why it ranks where it does, in words."""
        return (
            f"{self.value_hours:,.0f} incident-hours a year × {self.confidence:.0%} confidence"
            f" = {self.score:,.0f} expected"
        )


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
        "metric": metric,
        "filter": filters,
        "window": window,
        "baseline": baseline,
        "target": target,
        "direction": direction,
        "kpi_kind": kpi_kind,
    }


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
        kind=kind,
        group_by=group_by,
        group=group,
        title=title,
        evidence=evidence,
        value_hours=round(value_hours, 1),
        confidence=confidence,
        objective=objective,
        source=source,
    )


def samples(
    members: list[IncidentRow], keep: Callable[[IncidentRow], bool] = lambda _: True
) -> list[str]:
    return sorted(i.number for i in members if keep(i))[:SAMPLES]


def rank_key(f: Finding) -> tuple[float, float, str, str, str]:
    """Best first: expected value, then value, then names (only to be deterministic)."""
    return (-f.score, -f.value_hours, f.kind, f.group_by, f.group)


def merged(findings: list[Finding]) -> list[Finding]:
    """One finding per group: its strongest signal, with every signal listed and the
    confidence that at least one of them is real."""
    by_group: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(findings, key=rank_key):
        by_group.setdefault((f.group_by, f.group), []).append(f)
    out = []
    for signals in by_group.values():
        best = signals[0]
        if len(signals) == 1:
            out.append(best)
            continue
        doubt = math.prod(1 - s.confidence for s in signals)
        others = ", ".join(s.kind.replace("_", " ") for s in signals[1:])
        listed = [
            {
                "kind": s.kind,
                "title": s.title,
                "value_hours": s.value_hours,
                "confidence": round(s.confidence, 4),
            }
            for s in signals
        ]
        out.append(
            replace(
                best,
                title=f"{best.title} (also {others})",
                confidence=1 - doubt,
                evidence=best.evidence | {"signals": listed},
            )
        )
    return sorted(out, key=rank_key)


def median_hours(rows: list[IncidentRow]) -> float:
    hours = [h for h in (r.hours for r in rows) if h is not None]
    return statistics.median(hours) if hours else 0.0


def on_template_scale(objective: dict[str, Any], measured: float) -> dict[str, Any]:
    """The suggested objective with the baseline its metric template measures. Detectors compare
    medians (robust to incidents open for months) while the ``mttr_hours`` template measures a
    mean: its target keeps the same relative cut, on the template's scale. Counts and shares are
    already on it."""
    out = objective | {"baseline": round(measured, 2)}
    detected = objective["baseline"]
    if objective["metric"] == "mttr_hours" and isinstance(detected, int | float) and detected > 0:
        out["target"] = round(objective["target"] * measured / detected, 1)
    return out
