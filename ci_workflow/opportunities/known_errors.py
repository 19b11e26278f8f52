"""Detectors over imported problem and SLA records (``improve import problems|slas``): known
errors still causing incidents, problems left without a fix, and SLA definitions breached well
above the others in a service or assignment group. Pure functions: the caller loads the records.

- ``known_error_recurring``: a problem with a workaround or marked a known error, and no fix,
  with ``KNOWN_ERROR_INCIDENTS`` or more incidents linked to it opened in the period;
- ``stale_problem``: a service's problems open ``STALE_DAYS`` or more at the period's end with
  neither a workaround nor a fix;
- ``sla_definition_breach``: in a service or assignment group, an SLA definition with
  ``MIN_SLAS`` or more SLAs breached ``MARGIN`` or more above the lower of the group's other
  definitions' rate and ``ALLOWED`` (the rate a 95 % target tolerates), a one-sided binomial
  test saying it is not noise (p below ``SIGNIFICANCE``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ci_workflow.domain.numbers import share
from ci_workflow.opportunities.findings import (
    SIGNIFICANCE,
    Detection,
    Finding,
    IncidentRow,
    finding,
    median_hours,
    samples,
    suggest,
)

KNOWN_ERROR_INCIDENTS = 5
STALE_DAYS = 60
MIN_SLAS = 10
ALLOWED = 0.05  # the breach rate a 95 % SLA target tolerates
MARGIN = 0.10


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """A problem as the detectors read it; a flag is None when the export did not give it."""

    number: str
    opened_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    service: str | None
    assignment_group: str | None
    known_error: bool | None
    has_workaround: bool | None
    fixed: bool | None

    def open_at(self, moment: datetime) -> bool:
        ended = [t for t in (self.resolved_at, self.closed_at) if t is not None]
        return not ended or min(ended) > moment


@dataclass(frozen=True, slots=True)
class SlaRow:
    """An SLA attached to a task (an incident, by its number)."""

    task: str
    definition: str
    cancelled: bool
    has_breached: bool
    start_at: datetime


def record_findings(
    rows: list[IncidentRow],
    problems: tuple[ProblemRow, ...],
    slas: tuple[SlaRow, ...],
    found: Detection,
    group_by: tuple[str, ...],
) -> list[Finding]:
    """Every finding of the problem and SLA records; what cannot be judged is said skipped."""
    out: list[Finding] = []
    if not problems:
        found.skipped.append(
            "known_error_recurring, stale_problem: no problem record is imported "
            "(improve import problems)"
        )
    elif all(p.fixed is None for p in problems):
        found.skipped.append(
            "known_error_recurring, stale_problem: no problem record has a fix (map its column)"
        )
    else:
        out += known_error_recurring(rows, problems, found)
        out += stale_problems(rows, problems, found)
    if not slas:
        found.skipped.append("sla_definition_breach: no SLA record started in the period")
    else:
        for name in (g for g in group_by if g in ("service", "assignment_group")):
            out += sla_definition_breaches(rows, slas, name, found)
    return out


def _linked(rows: list[IncidentRow]) -> dict[str, list[IncidentRow]]:
    by_problem: dict[str, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        if row.problem_id:
            by_problem[row.problem_id].append(row)
    return by_problem


def known_error_recurring(
    rows: list[IncidentRow], problems: tuple[ProblemRow, ...], found: Detection
) -> list[Finding]:
    """A known error (a workaround, or marked one) without a fix that incidents still reach:
    each incident is worked around again instead of prevented."""
    linked = _linked(rows)
    findings = []
    for problem in problems:
        known = problem.known_error or problem.has_workaround
        members = linked.get(problem.number, [])
        if not known or problem.fixed is not False or len(members) < KNOWN_ERROR_INCIDENTS:
            continue
        recent = [i for i in members if i.opened_at > found.split]
        how = "with a workaround" if problem.has_workaround else "a known error"
        findings.append(
            finding(
                "known_error_recurring",
                "problem_id",
                problem.number,
                f"{len(members)} incidents on {problem.number}, {how} and no fix "
                f"({len(recent)} in the recent part)",
                evidence={
                    "incidents": len(members),
                    "recent_incidents": len(recent),
                    "workaround": bool(problem.has_workaround),
                    "known_error": bool(problem.known_error),
                    "service": problem.service,
                    "threshold": KNOWN_ERROR_INCIDENTS,
                    "samples": samples(members),
                },
                value_hours=found.yearly(len(members) * median_hours(members)),
                confidence=min(1.0, len(members) / (4 * KNOWN_ERROR_INCIDENTS)),
                objective=_problem_objective(problem.service),
                source="problem",
                members=members,
            )
        )
    return findings


def stale_problems(
    rows: list[IncidentRow], problems: tuple[ProblemRow, ...], found: Detection
) -> list[Finding]:
    """A service's problems open ``STALE_DAYS`` or more at the period's end with neither a
    workaround nor a fix: their incidents have nothing to lean on."""
    linked = _linked(rows)
    by_service: dict[str, list[tuple[ProblemRow, float]]] = defaultdict(list)
    for problem in problems:
        if problem.opened_at is None or not problem.open_at(found.end):
            continue
        age = (found.end - problem.opened_at).total_seconds() / 86400
        if age >= STALE_DAYS and problem.fixed is False and problem.has_workaround is False:
            by_service[problem.service or ""].append((problem, age))
    findings = []
    for service, stale in by_service.items():
        ages = [age for _, age in stale]
        members = [i for p, _ in stale for i in linked.get(p.number, [])]
        named = service or "no service"
        findings.append(
            finding(
                "stale_problem",
                "service",
                named,
                f"{named}: {len(stale)} problem(s) open over {STALE_DAYS} days with no "
                f"workaround or fix (oldest {max(ages):.0f} days)",
                evidence={
                    "problems": len(stale),
                    "oldest_days": round(max(ages), 1),
                    "median_age_days": round(statistics.median(ages), 1),
                    "linked_incidents": len(members),
                    "threshold_days": STALE_DAYS,
                    "samples": sorted(p.number for p, _ in stale)[:5],
                },
                value_hours=found.yearly(sum(i.hours or 0.0 for i in members)),
                confidence=min(1.0, len(stale) / 5),
                objective=_problem_objective(service or None),
                source="problem",
                members=members,
            )
        )
    return findings


def _problem_objective(service: str | None) -> dict[str, object]:
    return suggest(
        "problem_linked_count",
        {"service": service} if service else {},
        window="30d",
        baseline="measure",
        target=0,
        direction="decrease",
        kpi_kind="problem_volume",
    )


def sla_definition_breaches(
    rows: list[IncidentRow], slas: tuple[SlaRow, ...], name: str, found: Detection
) -> list[Finding]:
    """In each group (by its incidents' ``name``), an SLA definition breached well above the
    group's other definitions, or above what a 95 % target allows. Cancelled SLAs are not
    judged; an SLA counts in the group of its incident."""
    from scipy import stats

    incidents = {r.number: r for r in rows}
    groups: dict[str, dict[str, list[SlaRow]]] = defaultdict(lambda: defaultdict(list))
    for sla in slas:
        incident = incidents.get(sla.task)
        group = getattr(incident, name) if incident else None
        if group is not None and not sla.cancelled:
            groups[group][sla.definition].append(sla)
    findings = []
    for group, definitions in groups.items():
        for definition, judged in definitions.items():
            if len(judged) < MIN_SLAS:
                continue
            others = [s for d, ss in definitions.items() if d != definition for s in ss]
            norm = min(ALLOWED, _rate(others)) if len(others) >= MIN_SLAS else ALLOWED
            breached = sum(1 for s in judged if s.has_breached)
            rate = breached / len(judged)
            if rate < norm + MARGIN:
                continue
            test = stats.binomtest(breached, len(judged), norm, alternative="greater")
            if (p_value := float(test.pvalue)) >= SIGNIFICANCE:
                continue
            members = [incidents[s.task] for s in judged]
            findings.append(
                _sla_finding(name, group, definition, judged, others, norm, p_value, members, found)
            )
    return findings


def _rate(slas: list[SlaRow]) -> float:
    return sum(1 for s in slas if s.has_breached) / len(slas) if slas else 0.0


def _sla_finding(
    name: str,
    group: str,
    definition: str,
    judged: list[SlaRow],
    others: list[SlaRow],
    norm: float,
    p_value: float,
    members: list[IncidentRow],
    found: Detection,
) -> Finding:
    breached = sum(1 for s in judged if s.has_breached)
    rate = breached / len(judged)
    return finding(
        "sla_definition_breach",
        name,
        group,
        f"{group}: {definition} breached on {breached} of {len(judged)} SLAs ({share(rate)}; "
        f"{share(_rate(others))} for its other SLAs)",
        evidence={
            "definition": definition,
            "slas": len(judged),
            "breached": breached,
            "breach_rate": round(rate, 4),
            "other_slas": len(others),
            "other_breach_rate": round(_rate(others), 4) if others else None,
            "norm": round(norm, 4),
            "p_value": p_value,
            "samples": sorted({s.task for s in judged if s.has_breached})[:5],
        },
        value_hours=found.yearly((rate - norm) * len(judged) * median_hours(members)),
        confidence=1 - p_value,
        objective=suggest(
            "sla_met_pct",
            {name: group},
            window="30d",
            baseline=round(100 * (1 - rate), 1),
            target=round(100 * (1 - norm), 1),
            direction="increase",
            kpi_kind="service_performance",
        ),
        source="sla_breach",
        members=members,
    )
