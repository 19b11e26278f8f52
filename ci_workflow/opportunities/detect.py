"""Detectors over imported incidents: each finds groups (by service, category or assignment
group) that deserve an improvement, with the evidence, an estimated value, a suggested SMART
objective and a score. Pure functions: the caller loads the incidents.

The period is split into a reference part and a recent part (default: its last quarter is
recent). Groups with fewer than ``MIN_INCIDENTS`` incidents are too small to judge; they are
listed as skipped, with the reason, rather than reported.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
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
        import math

        impact = min(1.0, math.log10(1 + self.value_hours) / 5)  # 100,000 h a year is the top
        return round(100 * impact * self.confidence, 1)


@dataclass
class Detection:
    start: datetime
    split: datetime
    end: datetime
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


GROUPINGS = ("service", "category", "assignment_group")


def detect(
    incidents: Iterable[IncidentRow],
    *,
    start: datetime,
    end: datetime,
    split: datetime | None = None,
    group_by: tuple[str, ...] = GROUPINGS,
) -> Detection:
    rows = [i for i in incidents if start < i.opened_at <= end]
    split = split or start + (end - start) * 3 / 4
    found = Detection(start, split, end)
    if not rows:
        found.skipped.append("no incidents opened in the period")
        return found
    for name in group_by:
        groups: dict[str, list[IncidentRow]] = defaultdict(list)
        for row in rows:
            key = getattr(row, name)
            if key is not None:
                groups[key].append(row)
        small = sorted(g for g, members in groups.items() if len(members) < MIN_INCIDENTS)
        if small:
            found.skipped.append(
                f"{len(small)} {name} group(s) under {MIN_INCIDENTS} incidents, too small to judge"
                f" (e.g. {', '.join(small[:3])})"
            )
        judged = {g: m for g, m in groups.items() if len(m) >= MIN_INCIDENTS}
        for detector in (rising_volume, long_resolution, sla_breaches, reopens, ping_pong):
            found.findings += detector(judged, rows, name, found)
    found.findings += recurring_problems(rows, found)
    found.findings += change_spikes(rows, found)
    found.findings.sort(key=lambda f: (-f.score, f.kind, f.group))
    return found


def _filter(name: str, group: str) -> dict[str, str]:
    return {name: group}


def _samples(
    members: list[IncidentRow], keep: Callable[[IncidentRow], bool] = lambda _: True
) -> list[str]:
    return sorted(i.number for i in members if keep(i))[:SAMPLES]


def _yearly(hours: float, found: Detection) -> float:
    days = max(1.0, (found.end - found.start).total_seconds() / 86400)
    return hours * 365 / days


def _median_hours(rows: list[IncidentRow]) -> float:
    hours = [h for h in (r.hours for r in rows) if h is not None]
    return statistics.median(hours) if hours else 0.0


def rising_volume(
    groups: dict[str, list[IncidentRow]], rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """The recent weekly rate against the reference rate; a one-sided binomial test shows the
    rise is not noise."""
    from scipy import stats

    reference_weeks = (found.split - found.start).total_seconds() / 604800
    recent_weeks = (found.end - found.split).total_seconds() / 604800
    share_recent = recent_weeks / (reference_weeks + recent_weeks)
    findings = []
    for group, members in groups.items():
        recent = sum(1 for i in members if i.opened_at > found.split)
        total = len(members)
        before_rate, after_rate = (total - recent) / reference_weeks, recent / recent_weeks
        if before_rate == 0 or after_rate < 1.25 * before_rate:
            continue
        p_value = float(stats.binomtest(recent, total, share_recent, alternative="greater").pvalue)
        if p_value >= SIGNIFICANCE:
            continue
        extra_per_week = after_rate - before_rate
        value = _yearly(extra_per_week * recent_weeks * _median_hours(members), found)
        findings.append(
            Finding(
                kind="rising_volume",
                group_by=name,
                group=group,
                title=f"{group}: {after_rate:.1f} incidents a week, was {before_rate:.1f}",
                evidence={
                    "reference_per_week": round(before_rate, 2),
                    "recent_per_week": round(after_rate, 2),
                    "incidents": total,
                    "recent_incidents": recent,
                    "p_value": p_value,
                    "samples": _samples(members, lambda i: i.opened_at > found.split),
                },
                value_hours=round(value, 1),
                confidence=1 - p_value,
                objective={
                    "metric": "incident_count",
                    "filter": _filter(name, group),
                    "window": "7d",
                    "baseline": round(after_rate, 2),
                    "target": round(before_rate, 2),
                    "direction": "decrease",
                    "kpi_kind": "incident_volume",
                },
                source="incident_trend",
            )
        )
    return findings


def long_resolution(
    groups: dict[str, list[IncidentRow]], rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Median hours to resolve well above the organisation's median for the same priorities."""
    from scipy import stats

    by_priority: dict[str | None, list[float]] = defaultdict(list)
    for row in rows:
        if row.hours is not None:
            by_priority[row.priority].append(row.hours)
    medians = {p: statistics.median(h) for p, h in by_priority.items()}
    findings = []
    for group, members in groups.items():
        resolved = [i for i in members if i.hours is not None]
        if len(resolved) < MIN_INCIDENTS:
            continue
        # The group's median against the medians of its own mix of priorities: robust to the
        # few incidents that stay open for months.
        norm = statistics.median(medians[i.priority] for i in resolved)
        mean = statistics.median(i.hours for i in resolved if i.hours is not None)
        if norm <= 0 or mean < 1.5 * norm:
            continue
        others = [r.hours for r in rows if r.hours is not None and getattr(r, name) != group]
        p_value = (
            float(
                stats.mannwhitneyu(
                    [i.hours for i in resolved], others, alternative="greater"
                ).pvalue
            )
            if others
            else 1.0
        )
        if p_value >= SIGNIFICANCE:
            continue
        value = _yearly((mean - norm) * len(resolved), found)
        findings.append(
            Finding(
                kind="long_resolution",
                group_by=name,
                group=group,
                title=f"{group} takes {mean:.0f} h to resolve; {norm:.0f} h is usual",
                evidence={
                    "median_hours": round(mean, 1),
                    "norm_hours": round(norm, 1),
                    "resolved": len(resolved),
                    "p_value": p_value,
                    "samples": _samples(resolved),
                },
                value_hours=round(value, 1),
                confidence=1 - p_value,
                objective={
                    "metric": "mttr_hours",
                    "filter": _filter(name, group),
                    "window": "30d",
                    "baseline": round(mean, 1),
                    "target": round(norm * 1.2, 1),
                    "direction": "decrease",
                    "kpi_kind": "service_performance",
                },
                source="incident_trend",
            )
        )
    return findings


def sla_breaches(
    groups: dict[str, list[IncidentRow]], rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """A share of missed SLAs clearly above the organisation's, with its trend."""
    from scipy import stats

    known = [r for r in rows if r.sla_met is not None]
    if not known:
        return []
    org_missed = sum(1 for r in known if not r.sla_met) / len(known)
    findings = []
    for group, members in groups.items():
        judged = [i for i in members if i.sla_met is not None]
        if len(judged) < MIN_INCIDENTS:
            continue
        missed = sum(1 for i in judged if not i.sla_met)
        share = missed / len(judged)
        if share < org_missed + 0.10:
            continue
        p_value = float(
            stats.binomtest(missed, len(judged), org_missed, alternative="greater").pvalue
        )
        if p_value >= SIGNIFICANCE:
            continue
        recent = [i for i in judged if i.opened_at > found.split]
        earlier = [i for i in judged if i.opened_at <= found.split]
        trend = {
            "reference_missed_share": round(
                sum(1 for i in earlier if not i.sla_met) / len(earlier), 3
            )
            if earlier
            else None,
            "recent_missed_share": round(sum(1 for i in recent if not i.sla_met) / len(recent), 3)
            if recent
            else None,
        }
        value = _yearly((share - org_missed) * len(judged) * _median_hours(members), found)
        findings.append(
            Finding(
                kind="sla_breach",
                group_by=name,
                group=group,
                title=f"{group} misses its SLA on {share:.0%} ({org_missed:.0%} overall)",
                evidence={
                    "missed_share": round(share, 3),
                    "organisation_missed_share": round(org_missed, 3),
                    "incidents": len(judged),
                    "p_value": p_value,
                    **trend,
                    "samples": _samples(judged, lambda i: i.sla_met is False),
                },
                value_hours=round(value, 1),
                confidence=1 - p_value,
                objective={
                    "metric": "sla_met_pct",
                    "filter": _filter(name, group),
                    "window": "30d",
                    "baseline": round(100 * (1 - share), 1),
                    "target": round(100 * (1 - org_missed), 1),
                    "direction": "increase",
                    "kpi_kind": "service_performance",
                },
                source="sla_breach",
            )
        )
    return findings


def reopens(
    groups: dict[str, list[IncidentRow]], rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Rework: a reopen rate of 10 % or more, at least twice the organisation's."""
    org = sum(1 for r in rows if r.reopen_count > 0) / len(rows)
    findings = []
    for group, members in groups.items():
        reopened = [i for i in members if i.reopen_count > 0]
        share = len(reopened) / len(members)
        if share < 0.10 or share < 2 * org:
            continue
        value = _yearly(len(reopened) * _median_hours(members), found)
        findings.append(
            Finding(
                kind="reopen",
                group_by=name,
                group=group,
                title=f"{share:.0%} of {group}'s incidents are reopened ({org:.0%} overall)",
                evidence={
                    "reopened_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "incidents": len(members),
                    "samples": _samples(reopened),
                },
                value_hours=round(value, 1),
                confidence=min(1.0, len(reopened) / 20),
                objective={
                    "metric": "reopen_pct",
                    "filter": _filter(name, group),
                    "window": "30d",
                    "baseline": round(100 * share, 1),
                    "target": round(100 * max(org, share / 2), 1),
                    "direction": "decrease",
                    "kpi_kind": "process_efficiency",
                },
                source="incident_trend",
            )
        )
    return findings


def ping_pong(
    groups: dict[str, list[IncidentRow]], rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Rework: incidents passed between teams three times or more, far more often than overall."""
    org = sum(1 for r in rows if r.reassignment_count >= 3) / len(rows)
    findings = []
    for group, members in groups.items():
        bounced = [i for i in members if i.reassignment_count >= 3]
        share = len(bounced) / len(members)
        if share < 0.15 or share < 2 * org:
            continue
        value = _yearly(len(bounced) * 0.5 * _median_hours(members), found)
        findings.append(
            Finding(
                kind="ping_pong",
                group_by=name,
                group=group,
                title=f"{share:.0%} of {group}'s incidents bounce 3+ times ({org:.0%} overall)",
                evidence={
                    "bounced_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "mean_reassignments": round(
                        statistics.fmean(i.reassignment_count for i in members), 2
                    ),
                    "incidents": len(members),
                    "samples": _samples(bounced),
                },
                value_hours=round(value, 1),
                confidence=min(1.0, len(bounced) / 20),
                objective={
                    "metric": "mttr_hours",
                    "filter": _filter(name, group),
                    "window": "30d",
                    "baseline": "measure",
                    "target": round(_median_hours(rows), 1),
                    "direction": "decrease",
                    "kpi_kind": "process_efficiency",
                },
                source="incident_trend",
            )
        )
    return findings


def recurring_problems(rows: list[IncidentRow], found: Detection) -> list[Finding]:
    """Many incidents linked to one problem record; or one category and service with repeated
    incidents and no problem record yet."""
    findings = []
    by_problem: dict[str, list[IncidentRow]] = defaultdict(list)
    unlinked: dict[tuple[str, str], list[IncidentRow]] = defaultdict(list)
    for row in rows:
        if row.problem_id:
            by_problem[row.problem_id].append(row)
        elif row.category and row.service:
            unlinked[(row.category, row.service)].append(row)
    linked_pairs = {(r.category, r.service) for r in rows if r.problem_id}
    for problem, members in by_problem.items():
        if len(members) < 5:
            continue
        findings.append(
            _problem_finding(
                "problem_id",
                problem,
                f"{len(members)} incidents linked to problem {problem}",
                members,
                found,
                True,
            )
        )
    for (category, service), members in unlinked.items():
        if len(members) < 3 * MIN_INCIDENTS or (category, service) in linked_pairs:
            continue
        findings.append(
            _problem_finding(
                "category+service",
                f"{category} / {service}",
                f"{len(members)} incidents of {category} on {service} and no problem record",
                members,
                found,
                False,
            )
        )
    return findings


def _problem_finding(
    group_by: str,
    group: str,
    title: str,
    members: list[IncidentRow],
    found: Detection,
    linked: bool,
) -> Finding:
    filters = (
        {"category": members[0].category or "", "service": members[0].service or ""}
        if not linked
        else {}
    )
    return Finding(
        kind="recurring_problem",
        group_by=group_by,
        group=group,
        title=title,
        evidence={
            "incidents": len(members),
            "problem_record": linked,
            "samples": _samples(members),
        },
        value_hours=round(_yearly(len(members) * _median_hours(members) * 0.5, found), 1),
        confidence=min(1.0, len(members) / 30),
        objective={
            "metric": "incident_count" if not linked else "problem_linked_count",
            "filter": filters,
            "window": "30d",
            "baseline": "measure",
            "target": 0,
            "direction": "decrease",
            "kpi_kind": "problem_volume",
        },
        source="problem",
    )


def change_spikes(rows: list[IncidentRow], found: Detection) -> list[Finding]:
    """Changes followed by a spike of incidents on the same service (incidents linked to it)."""
    by_change: dict[tuple[str, str], list[IncidentRow]] = defaultdict(list)
    for row in rows:
        if row.change_id:
            by_change[(row.change_id, row.service or "unknown service")].append(row)
    findings = []
    for (change, service), members in by_change.items():
        if len(members) < 5:
            continue
        findings.append(
            Finding(
                kind="change_spike",
                group_by="change",
                group=f"{change} on {service}",
                title=f"{len(members)} incidents on {service} linked to change {change}",
                evidence={
                    "incidents": len(members),
                    "change": change,
                    "service": service,
                    "first": min(m.opened_at for m in members).isoformat(),
                    "last": max(m.opened_at for m in members).isoformat(),
                    "samples": _samples(members),
                },
                value_hours=round(_yearly(len(members) * _median_hours(members), found), 1),
                confidence=min(1.0, len(members) / 20),
                objective={
                    "metric": "incident_count",
                    "filter": {"service": service} if service != "unknown service" else {},
                    "window": "7d",
                    "baseline": "measure",
                    "target": 0,
                    "direction": "decrease",
                    "kpi_kind": "incident_volume",
                },
                source="incident_trend",
            )
        )
    return findings
