"""Detectors over groups of incidents (by service, category or assignment group): rising volume,
long resolution, SLA breaches, reopens and ping-pong between teams."""

from __future__ import annotations

import statistics
from collections import defaultdict

from ci_workflow.domain.measures import survival
from ci_workflow.domain.measures.survival import Spell
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
    findings, unjudged = [], 0
    for group, members in groups.items():
        recent = sum(1 for i in members if i.opened_at > found.split)
        before = len(members) - recent
        was, now = before / reference_total, recent / recent_total
        if before == 0 or now < 1.25 * was:
            continue
        rest = _change(
            reference_total - before, recent_total - recent, reference_weeks, recent_weeks
        )
        if rest is None or max(rest, 1 / rest) >= now / was:
            unjudged += 1  # the rest changed more than the group's share: how it was cut
            continue
        p_value = float(stats.binomtest(recent, recent_total, was, alternative="greater").pvalue)
        if p_value >= SIGNIFICANCE:
            continue
        weeks = (reference_weeks, recent_weeks)
        findings.append(
            _rising(name, group, members, found, (was, now), recent_total, weeks, whole, p_value)
        )
    if unjudged:
        found.skipped.append(
            f"rising_share by {name}: {unjudged} group(s) rose in share while the rest of the "
            "organisation's volume changed by more, not judged"
        )
    return findings


def _rising(
    name: str,
    group: str,
    members: list[IncidentRow],
    found: Detection,
    shares: tuple[float, float],
    recent_total: int,
    weeks: tuple[float, float],
    whole: float,
    p_value: float,
) -> Finding:
    was, now = shares
    recent = sum(1 for i in members if i.opened_at > found.split)
    per_week = ((len(members) - recent) / weeks[0], recent / weeks[1])
    counts = (
        f"; {per_week[1]:.1f} a week, was {per_week[0]:.1f}"
        if 0.8 <= whole <= 1.25
        else f" (all incidents ×{whole:.2f})"
    )
    extra = (now - was) * recent_total  # incidents beyond the group's former share
    former = was * recent_total / weeks[1]  # a week, at its former share
    return finding(
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
        members=members,
    )


def _change(before: int, recent: int, reference_weeks: float, recent_weeks: float) -> float | None:
    """How many times a volume a week changed from the reference part to the recent part."""
    if before == 0 or recent == 0:
        return None
    return (recent / recent_weeks) / (before / reference_weeks)


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
    and longer than the other groups' (one-sided log-rank test). Medians are Kaplan–Meier
    estimates: incidents still open count as lasting at least until the data ends, and those
    opened before the data is complete enter when it is (robust to a cut extract and to the few
    incidents that stay open for months)."""
    timed = [(row, spell) for row in [*rows, *found.early] if (spell := found.spell(row))]
    by_priority: dict[str | None, list[Spell]] = defaultdict(list)
    by_group: dict[str, list[Spell]] = defaultdict(list)
    for row, spell in timed:
        by_priority[row.priority].append(spell)
        if (key := getattr(row, name)) in groups:
            by_group[key].append(spell)
    medians = {p: survival.median_hours(spells) for p, spells in by_priority.items()}
    logrank = survival.LogRank([spell for _, spell in timed])
    findings = []
    for group, members in groups.items():
        resolved = [i for i in members if i.hours is not None]
        spells = by_group[group]
        typical = survival.median_hours(spells)
        norms = [m for i in members if (m := medians[i.priority]) is not None]
        if len(resolved) < MIN_INCIDENTS or typical is None or not norms:
            continue
        norm = statistics.median(norms)
        if norm <= 0 or typical < 1.5 * norm:
            continue
        p_value = logrank.longer_p_value(spells)
        if p_value >= SIGNIFICANCE:
            continue
        findings.append(
            _long_resolution(name, group, members, spells, (typical, norm), p_value, found)
        )
    return findings


def _long_resolution(
    name: str,
    group: str,
    members: list[IncidentRow],
    spells: list[Spell],
    medians: tuple[float, float],
    p_value: float,
    found: Detection,
) -> Finding:
    typical, norm = medians
    resolved = [i for i in members if i.hours is not None]
    return finding(
        "long_resolution",
        name,
        group,
        f"{group} takes {typical:.0f} h to resolve (median); {norm:.0f} h is usual",
        evidence={
            "median_hours": round(typical, 1),
            "norm_hours": round(norm, 1),
            "resolved": len(resolved),
            "still_open": sum(1 for s in spells if not s.resolved),
            "entered_late": sum(1 for s in spells if s.entry > 0),
            "statistic": "Kaplan–Meier median (open incidents censored, those opened before "
            "the data is complete entering late); one-sided log-rank test",
            "p_value": p_value,
            "samples": samples(resolved),
        },
        value_hours=found.yearly((typical - norm) * len(resolved)),
        confidence=1 - p_value,
        objective=suggest(
            "mttr_median_hours",
            {name: group},
            window="30d",
            baseline=round(typical, 1),
            target=round(norm * 1.2, 1),
            direction="decrease",
            kpi_kind="service_performance",
        ),
        members=members,
    )


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
                members=members,
            )
        )
    return findings


def _missed_share(incidents: list[IncidentRow]) -> float | None:
    if not incidents:
        return None
    return round(sum(1 for i in incidents if not i.sla_met) / len(incidents), 3)
