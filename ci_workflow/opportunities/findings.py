"""What the detectors share: the incident rows they read, the finding they build (one builder for
all of them), and the small statistics they repeat."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ci_workflow.domain.measures.survival import Spell

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
    # The incidents it is about (numbers): findings about the same ones are one finding.
    members: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

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
    """The period judged (``start`` to ``end``: the days the data is complete), its split into a
    reference and a recent part, and what was found and not judged. ``early`` are incidents
    opened before the complete days, there only for how long they took; ``seen_until`` is the
    last moment the data saw, where incidents still open are censored."""

    start: datetime
    split: datetime
    end: datetime
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    early: list[IncidentRow] = field(default_factory=list)
    seen_until: datetime | None = None
    completeness: str = ""

    def spell(self, row: IncidentRow) -> Spell | None:
        """The incident's time as the survival estimate reads it: to resolution, or to the end of
        the data while open; entering late when opened before the complete days."""
        entry = max(0.0, (self.start - row.opened_at).total_seconds() / 3600)
        if row.hours is not None:
            return Spell(row.hours, True, entry)
        if row.resolved_at is not None or self.seen_until is None:
            return None  # resolved "before" opened: no time to read
        return Spell((self.seen_until - row.opened_at).total_seconds() / 3600, False, entry)

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
    members: list[IncidentRow] | None = None,
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
        members=frozenset(i.number for i in members or ()),
    )


def samples(
    members: list[IncidentRow], keep: Callable[[IncidentRow], bool] = lambda _: True
) -> list[str]:
    return sorted(i.number for i in members if keep(i))[:SAMPLES]


def rank_key(f: Finding) -> tuple[float, float, str, str, str]:
    """Best first: expected value, then value, then names (only to be deterministic)."""
    return (-f.score, -f.value_hours, f.kind, f.group_by, f.group)


# Two findings of one kind whose incidents overlap this much (shared ÷ either's) are one finding
# seen under two groupings (a category and the service it is).
SAME_INCIDENTS = 0.8


# Of equal findings under several groupings, the one named leads: the service people know.
LEADING = ("service", "category", "assignment_group")


def _leading_first(f: Finding) -> tuple[float, float, str, int, str]:
    order = LEADING.index(f.group_by) if f.group_by in LEADING else len(LEADING)
    return (-f.score, -f.value_hours, f.kind, order, f.group)


def same_incidents(findings: list[Finding]) -> list[Finding]:
    """Findings of one kind about the same incidents under different groupings, as one: the
    strongest, naming the other groupings it was also found under."""
    kept: list[Finding] = []
    also: dict[int, list[dict[str, str]]] = {}
    for f in sorted(findings, key=_leading_first):
        twin = next(
            (
                n
                for n, k in enumerate(kept)
                if k.kind == f.kind
                and k.group_by != f.group_by
                and k.members
                and len(k.members & f.members)
                >= SAME_INCIDENTS * max(len(k.members), len(f.members))
            ),
            None,
        )
        if twin is None:
            kept.append(f)
        else:
            also.setdefault(twin, []).append({"group_by": f.group_by, "group": f.group})
    out = []
    for n, f in enumerate(kept):
        if n in also:
            names = ", ".join(f"{a['group_by'].replace('_', ' ')} {a['group']}" for a in also[n])
            f = replace(
                f,
                title=f"{f.title} (the same incidents as {names})",
                evidence=f.evidence | {"same_incidents_as": also[n]},
            )
        out.append(f)
    return out


def merged(findings: list[Finding]) -> list[Finding]:
    """One finding per group: its strongest signal, with every signal listed and the
    confidence that at least one of them is real; and one finding for the same incidents seen
    under several groupings."""
    by_group: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(same_incidents(findings), key=rank_key):
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
