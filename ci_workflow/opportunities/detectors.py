"""Detectors over groups of incidents (by service, category or assignment group): rising volume,
long resolution, SLA breaches, reopens and ping-pong between teams."""

from __future__ import annotations

import statistics
from collections import defaultdict

from ci_workflow.opportunities.findings import (
    MIN_INCIDENTS,
    SIGNIFICANCE,
    Detection,
    Finding,
    Groups,
    IncidentRow,
    finding,
    median_hours,
    samples,
    suggest,
)
from ci_workflow.opportunities.ranks import Ranking


def rising_share(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """The group's share of all incidents, recent part against reference part: a rise of a
    quarter or more that a one-sided binomial test shows is not noise. Shares, not counts, so
    that an export that grows as a whole (how it was cut, a new team onboarded) flags nothing;
    the weekly counts are named only where the whole stayed level."""
    from scipy import stats

    reference_total = sum(1 for r in rows if r.opened_at <= found.split)
    recent_total = len(rows) - reference_total
    if reference_total < MIN_INCIDENTS or recent_total < MIN_INCIDENTS:
        return []
    reference_weeks = (found.split - found.start).total_seconds() / 604800
    recent_weeks = (found.end - found.split).total_seconds() / 604800
    whole = (recent_total / recent_weeks) / (reference_total / reference_weeks)
    level = 0.8 <= whole <= 1.25
    findings = []
    for group, members in groups.items():
        recent = sum(1 for i in members if i.opened_at > found.split)
        before = len(members) - recent
        was, now = before / reference_total, recent / recent_total
        if before == 0 or now < 1.25 * was:
            continue
        p_value = float(stats.binomtest(recent, recent_total, was, alternative="greater").pvalue)
        if p_value >= SIGNIFICANCE:
            continue
        per_week = (before / reference_weeks, recent / recent_weeks)
        counts = (
            f"; {per_week[1]:.1f} a week, was {per_week[0]:.1f}"
            if level
            else f" (all incidents ×{whole:.2f})"
        )
        extra = (now - was) * recent_total  # incidents beyond the group's former share
        former = was * recent_total / recent_weeks  # a week, at its former share
        findings.append(
            finding(
                "rising_share",
                name,
                group,
                f"{group}: {now:.1%} of incidents, was {was:.1%}{counts}",
                evidence={
                    "reference_share": round(was, 4),
                    "recent_share": round(now, 4),
                    "reference_per_week": round(per_week[0], 2),
                    "recent_per_week": round(per_week[1], 2),
                    "organisation_change": round(whole, 3),
                    "incidents": len(members),
                    "recent_incidents": recent,
                    "p_value": p_value,
                    "samples": samples(members, lambda i: i.opened_at > found.split),
                },
                value_hours=found.yearly(extra * median_hours(members)),
                confidence=1 - p_value,
                objective=_weekly_count(name, group, per_week[1], former),
            )
        )
    return findings


def _weekly_count(name: str, group: str, now: float, target: float) -> dict[str, object]:
    """The objective a rising group is given: its incidents a week back to its former share."""
    return suggest(
        "incident_count",
        {name: group},
        window="7d",
        baseline=round(now, 2),
        target=round(target, 2),
        direction="decrease",
        kpi_kind="incident_volume",
    )


def long_resolution(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Median hours to resolve well above the organisation's median for the same priorities,
    and longer than the other groups' (one-sided Mann-Whitney)."""
    resolved_rows = [r for r in rows if r.hours is not None]
    by_priority: dict[str | None, list[float]] = defaultdict(list)
    for row in resolved_rows:
        by_priority[row.priority].append(row.hours)  # type: ignore[arg-type]  # resolved
    medians = {p: statistics.median(h) for p, h in by_priority.items()}
    ranking = Ranking([r.hours for r in resolved_rows])  # type: ignore[misc]  # resolved
    positions: dict[str, list[int]] = defaultdict(list)
    for at, row in enumerate(resolved_rows):
        key = getattr(row, name)
        if key in groups:
            positions[key].append(at)
    findings = []
    for group, members in groups.items():
        resolved = [i for i in members if i.hours is not None]
        if len(resolved) < MIN_INCIDENTS:
            continue
        # The group's median against the medians of its own mix of priorities: robust to the
        # few incidents that stay open for months.
        norm = statistics.median(medians[i.priority] for i in resolved)
        typical = statistics.median(i.hours for i in resolved if i.hours is not None)
        if norm <= 0 or typical < 1.5 * norm:
            continue
        p_value = ranking.greater(positions[group])
        if p_value >= SIGNIFICANCE:
            continue
        findings.append(
            finding(
                "long_resolution",
                name,
                group,
                f"{group} takes {typical:.0f} h to resolve; {norm:.0f} h is usual",
                evidence={
                    "median_hours": round(typical, 1),
                    "norm_hours": round(norm, 1),
                    "resolved": len(resolved),
                    "p_value": p_value,
                    "samples": samples(resolved),
                },
                value_hours=found.yearly((typical - norm) * len(resolved)),
                confidence=1 - p_value,
                objective=suggest(
                    "mttr_hours",
                    {name: group},
                    window="30d",
                    baseline=round(typical, 1),
                    target=round(norm * 1.2, 1),
                    direction="decrease",
                    kpi_kind="service_performance",
                ),
            )
        )
    return findings


def sla_breaches(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
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
        findings.append(
            finding(
                "sla_breach",
                name,
                group,
                f"{group} misses its SLA on {share:.0%} ({org_missed:.0%} overall)",
                evidence={
                    "missed_share": round(share, 3),
                    "organisation_missed_share": round(org_missed, 3),
                    "incidents": len(judged),
                    "p_value": p_value,
                    "reference_missed_share": _missed_share(earlier),
                    "recent_missed_share": _missed_share(recent),
                    "samples": samples(judged, lambda i: i.sla_met is False),
                },
                value_hours=found.yearly(
                    (share - org_missed) * len(judged) * median_hours(members)
                ),
                confidence=1 - p_value,
                objective=suggest(
                    "sla_met_pct",
                    {name: group},
                    window="30d",
                    baseline=round(100 * (1 - share), 1),
                    target=round(100 * (1 - org_missed), 1),
                    direction="increase",
                    kpi_kind="service_performance",
                ),
                source="sla_breach",
            )
        )
    return findings


def _missed_share(incidents: list[IncidentRow]) -> float | None:
    if not incidents:
        return None
    return round(sum(1 for i in incidents if not i.sla_met) / len(incidents), 3)
