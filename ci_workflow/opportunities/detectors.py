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
                objective=suggest(
                    "incident_count",
                    {name: group},
                    window="7d",
                    baseline=round(per_week[1], 2),
                    target=round(was * recent_total / recent_weeks, 2),
                    direction="decrease",
                    kpi_kind="incident_volume",
                ),
            )
        )
    return findings


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


def reopens(groups: Groups, rows: list[IncidentRow], name: str, found: Detection) -> list[Finding]:
    """Rework: a reopen rate of 10 % or more, at least twice the organisation's."""
    org = sum(1 for r in rows if (r.reopen_count or 0) > 0) / len(rows)
    findings = []
    for group, members in groups.items():
        reopened = [i for i in members if (i.reopen_count or 0) > 0]
        share = len(reopened) / len(members)
        if share < 0.10 or share < 2 * org:
            continue
        findings.append(
            finding(
                "reopen",
                name,
                group,
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
                    "reopen_pct",
                    {name: group},
                    window="30d",
                    baseline=round(100 * share, 1),
                    target=round(100 * max(org, share / 2), 1),
                    direction="decrease",
                    kpi_kind="process_efficiency",
                ),
            )
        )
    return findings


def ping_pong(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Rework: incidents handed back to a team that already had them (A → B → A) where the export
    says so; otherwise passed on three times or more. Far more often than overall."""
    returns = any(r.ping_pong_count is not None for r in rows)

    def bounces(i: IncidentRow) -> bool:
        if returns:
            return (i.ping_pong_count or 0) > 0
        return (i.reassignment_count or 0) >= 3

    what = "go back to a team that had them" if returns else "bounce 3+ times"
    org = sum(1 for r in rows if bounces(r)) / len(rows)
    findings = []
    for group, members in groups.items():
        bounced = [i for i in members if bounces(i)]
        share = len(bounced) / len(members)
        if share < 0.15 or share < 2 * org:
            continue
        findings.append(
            finding(
                "ping_pong",
                name,
                group,
                f"{share:.0%} of {group}'s incidents {what} ({org:.0%} overall)",
                evidence={
                    "bounced_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "mean_reassignments": round(
                        statistics.fmean(i.reassignment_count or 0 for i in members), 2
                    ),
                    "incidents": len(members),
                    "samples": samples(bounced),
                },
                value_hours=found.yearly(len(bounced) * 0.5 * median_hours(members)),
                confidence=min(1.0, len(bounced) / 20),
                objective=suggest(
                    "mttr_hours",
                    {name: group},
                    window="30d",
                    baseline=round(median_hours(members), 1),
                    target=round(median_hours(rows), 1),
                    direction="decrease",
                    kpi_kind="process_efficiency",
                ),
            )
        )
    return findings


# Each detector with the fields it needs some incident in the period to have: without them it
# is skipped, with the reason, rather than run on blanks.
GROUP_DETECTORS = (
    (rising_share, ()),
    (long_resolution, ("resolved_at",)),
    (sla_breaches, ("sla_met",)),
    (reopens, ("reopen_count",)),
    (ping_pong, ("reassignment_count", "ping_pong_count")),
)
