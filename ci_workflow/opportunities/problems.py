"""Detectors across groups: recurring problems (with or without a problem record) and changes
followed by incidents (linked to them, or on their service just after an imported change)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from ci_workflow.opportunities.findings import (
    MIN_INCIDENTS,
    SIGNIFICANCE,
    Detection,
    Finding,
    IncidentRow,
    finding,
    median_hours,
    samples,
    suggest,
)


def recurring_problems(rows: list[IncidentRow], found: Detection) -> list[Finding]:
    """Many incidents linked to one problem record; or one category and service with repeated
    incidents and no problem record yet."""
    by_problem: dict[str, list[IncidentRow]] = defaultdict(list)
    unlinked: dict[tuple[str, str], list[IncidentRow]] = defaultdict(list)
    for row in rows:
        if row.problem_id:
            by_problem[row.problem_id].append(row)
        elif row.category and row.service:
            unlinked[(row.category, row.service)].append(row)
    linked_pairs = {(r.category, r.service) for r in rows if r.problem_id}
    findings = []
    for problem, members in by_problem.items():
        if len(members) >= 5:
            title = f"{len(members)} incidents linked to problem {problem}"
            findings.append(_problem_finding("problem_id", problem, title, members, found, {}))
    for (category, service), members in unlinked.items():
        if len(members) < 3 * MIN_INCIDENTS or (category, service) in linked_pairs:
            continue
        title = f"{len(members)} incidents of {category} on {service} and no problem record"
        filters = {"category": category, "service": service}
        findings.append(
            _problem_finding(
                "category+service", f"{category} / {service}", title, members, found, filters
            )
        )
    return findings


def _problem_finding(
    group_by: str,
    group: str,
    title: str,
    members: list[IncidentRow],
    found: Detection,
    filters: dict[str, str],
) -> Finding:
    """``filters`` empty: the incidents are linked to a problem record."""
    linked = not filters
    return finding(
        "recurring_problem",
        group_by,
        group,
        title,
        evidence={"incidents": len(members), "problem_record": linked, "samples": samples(members)},
        value_hours=found.yearly(len(members) * median_hours(members) * 0.5),
        confidence=min(1.0, len(members) / 30),
        objective=suggest(
            "problem_linked_count" if linked else "incident_count",
            filters,
            window="30d",
            baseline="measure",
            target=0,
            direction="decrease",
            kpi_kind="problem_volume",
        ),
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
        filters = {"service": service} if service != "unknown service" else {}
        findings.append(
            finding(
                "change_spike",
                "change",
                f"{change} on {service}",
                f"{len(members)} incidents on {service} linked to change {change}",
                evidence={
                    "incidents": len(members),
                    "change": change,
                    "service": service,
                    "first": min(m.opened_at for m in members).isoformat(),
                    "last": max(m.opened_at for m in members).isoformat(),
                    "samples": samples(members),
                },
                value_hours=found.yearly(len(members) * median_hours(members)),
                confidence=min(1.0, len(members) / 20),
                objective=suggest(
                    "incident_count",
                    filters,
                    window="7d",
                    baseline="measure",
                    target=0,
                    direction="decrease",
                    kpi_kind="incident_volume",
                ),
            )
        )
    return findings


@dataclass(frozen=True)
class ChangeRow:
    """An imported change as the detectors read it."""

    number: str
    service: str | None
    closed_at: datetime


SPIKE_DAYS = 7


def imported_change_spikes(
    rows: list[IncidentRow], changes: list[ChangeRow], found: Detection, linked: set[str]
) -> list[Finding]:
    """Imported changes followed by a spike on their service: incidents opened in the week after
    the change closed against the week before, at least doubled and 5 or more (a one-sided
    binomial test that the after-side share is above even), whether or not the incidents name
    the change. Changes already found through linked incidents (``linked``) are not repeated."""
    from scipy import stats

    members = _by_service(rows)
    opened = {service: sorted(i.opened_at for i in rows) for service, rows in members.items()}
    week = timedelta(days=SPIKE_DAYS)
    findings = []
    for change in changes:
        times = opened.get(change.service or "", [])
        if not times or change.number in linked:
            continue
        at = change.closed_at
        before = bisect_right(times, at) - bisect_right(times, at - week)
        after = bisect_right(times, at + week) - bisect_right(times, at)
        if after < 5 or after < 2 * before:
            continue
        p_value = float(stats.binomtest(after, after + before, 0.5, alternative="greater").pvalue)
        if p_value >= SIGNIFICANCE:
            continue
        service = change.service or ""
        spike = [i for i in members[service] if at < i.opened_at <= at + week]
        findings.append(
            finding(
                "change_spike",
                "change",
                f"{change.number} on {service}",
                f"{after} incidents on {service} in the week after change {change.number} "
                f"closed ({before} the week before)",
                evidence={
                    "change": change.number,
                    "service": service,
                    "change_closed": change.closed_at.isoformat(),
                    "incidents_after": after,
                    "incidents_before": before,
                    "p_value": p_value,
                    "samples": samples(spike),
                },
                value_hours=found.yearly((after - before) * median_hours(spike)),
                confidence=1 - p_value,
                objective=suggest(
                    "incident_count",
                    {"service": service},
                    window="7d",
                    baseline="measure",
                    target=before,
                    direction="decrease",
                    kpi_kind="incident_volume",
                ),
            )
        )
    return findings


def _by_service(rows: list[IncidentRow]) -> dict[str, list[IncidentRow]]:
    members: dict[str, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        if row.service:
            members[row.service].append(row)
    return members
