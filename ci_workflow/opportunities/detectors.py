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


def rising_volume(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
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
        extra = (after_rate - before_rate) * recent_weeks * median_hours(members)
        findings.append(
            finding(
                "rising_volume", name, group,
                f"{group}: {after_rate:.1f} incidents a week, was {before_rate:.1f}",
                evidence={
                    "reference_per_week": round(before_rate, 2),
                    "recent_per_week": round(after_rate, 2),
                    "incidents": total,
                    "recent_incidents": recent,
                    "p_value": p_value,
                    "samples": samples(members, lambda i: i.opened_at > found.split),
                },
                value_hours=found.yearly(extra),
                confidence=1 - p_value,
                objective=suggest(
                    "incident_count", {name: group}, window="7d", baseline=round(after_rate, 2),
                    target=round(before_rate, 2), direction="decrease", kpi_kind="incident_volume",
                ),
            )
        )  # fmt: skip
    return findings


def long_resolution(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
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
        typical = statistics.median(i.hours for i in resolved if i.hours is not None)
        if norm <= 0 or typical < 1.5 * norm:
            continue
        others = [r.hours for r in rows if r.hours is not None and getattr(r, name) != group]
        hours = [i.hours for i in resolved if i.hours is not None]
        p_value = (
            float(stats.mannwhitneyu(hours, others, alternative="greater").pvalue)
            if others
            else 1.0
        )
        if p_value >= SIGNIFICANCE:
            continue
        findings.append(
            finding(
                "long_resolution", name, group,
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
                    "mttr_hours", {name: group}, window="30d", baseline=round(typical, 1),
                    target=round(norm * 1.2, 1), direction="decrease",
                    kpi_kind="service_performance",
                ),
            )
        )  # fmt: skip
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
                "sla_breach", name, group,
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
                    "sla_met_pct", {name: group}, window="30d",
                    baseline=round(100 * (1 - share), 1), target=round(100 * (1 - org_missed), 1),
                    direction="increase", kpi_kind="service_performance",
                ),
                source="sla_breach",
            )
        )  # fmt: skip
    return findings


def _missed_share(incidents: list[IncidentRow]) -> float | None:
    if not incidents:
        return None
    return round(sum(1 for i in incidents if not i.sla_met) / len(incidents), 3)


def reopens(groups: Groups, rows: list[IncidentRow], name: str, found: Detection) -> list[Finding]:
    """Rework: a reopen rate of 10 % or more, at least twice the organisation's."""
    org = sum(1 for r in rows if r.reopen_count > 0) / len(rows)
    findings = []
    for group, members in groups.items():
        reopened = [i for i in members if i.reopen_count > 0]
        share = len(reopened) / len(members)
        if share < 0.10 or share < 2 * org:
            continue
        findings.append(
            finding(
                "reopen", name, group,
                f"{share:.0%} of {group}'s incidents are reopened ({org:.0%} overall)",
                evidence={
                    "reopened_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "incidents": len(members),
                    "samples": samples(reopened),
                },
                value_hours=found.yearly(len(reopened) * median_hours(members)),
                confidence=min(1.0, len(reopened) / 20),
                objective=suggest(
                    "reopen_pct", {name: group}, window="30d", baseline=round(100 * share, 1),
                    target=round(100 * max(org, share / 2), 1), direction="decrease",
                    kpi_kind="process_efficiency",
                ),
            )
        )  # fmt: skip
    return findings


def ping_pong(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Rework: incidents passed between teams three times or more, far more often than overall."""
    org = sum(1 for r in rows if r.reassignment_count >= 3) / len(rows)
    findings = []
    for group, members in groups.items():
        bounced = [i for i in members if i.reassignment_count >= 3]
        share = len(bounced) / len(members)
        if share < 0.15 or share < 2 * org:
            continue
        findings.append(
            finding(
                "ping_pong", name, group,
                f"{share:.0%} of {group}'s incidents bounce 3+ times ({org:.0%} overall)",
                evidence={
                    "bounced_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "mean_reassignments": round(
                        statistics.fmean(i.reassignment_count for i in members), 2
                    ),
                    "incidents": len(members),
                    "samples": samples(bounced),
                },
                value_hours=found.yearly(len(bounced) * 0.5 * median_hours(members)),
                confidence=min(1.0, len(bounced) / 20),
                objective=suggest(
                    "mttr_hours", {name: group}, window="30d", baseline="measure",
                    target=round(median_hours(rows), 1), direction="decrease",
                    kpi_kind="process_efficiency",
                ),
            )
        )  # fmt: skip
    return findings


GROUP_DETECTORS = (rising_volume, long_resolution, sla_breaches, reopens, ping_pong)
