"""Detectors of rework in groups of incidents: reopened after resolution, and handed back and
forth between teams (ping-pong, or three or more reassignments).

A rate is over the incidents where its count is known (an unknown is not "never reopened"), and
its evidence says how many that is (``incidents``) and how many were unknown (``unknown``). A
group with fewer than ``MIN_INCIDENTS`` known is too small to judge.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator

from ci_workflow.opportunities.findings import (
    MIN_INCIDENTS,
    Detection,
    Finding,
    Groups,
    IncidentRow,
    finding,
    median_hours,
    samples,
    suggest,
)


def _raised(
    groups: Groups,
    rows: list[IncidentRow],
    known: Callable[[IncidentRow], bool],
    hit: Callable[[IncidentRow], bool],
    floor: float,
) -> Iterator[tuple[str, list[IncidentRow], list[IncidentRow], list[IncidentRow], float, float]]:
    """Each group whose share of hits, over its incidents with a known count (at least
    ``MIN_INCIDENTS`` of them), is ``floor`` or more and twice the organisation's: the group, its
    members, those judged, the hits, its share and the organisation's."""
    everyone = [i for i in rows if known(i)]
    if not everyone:
        return
    org = sum(1 for i in everyone if hit(i)) / len(everyone)
    for group, members in groups.items():
        judged = [i for i in members if known(i)]
        if len(judged) < MIN_INCIDENTS:
            continue
        hits = [i for i in judged if hit(i)]
        share = len(hits) / len(judged)
        if share >= floor and share >= 2 * org:
            yield group, members, judged, hits, share, org


def reopens(groups: Groups, rows: list[IncidentRow], name: str, found: Detection) -> list[Finding]:
    """Rework: a reopen rate of 10 % or more, at least twice the organisation's."""

    def known(i: IncidentRow) -> bool:
        return i.reopen_count is not None

    def reopened(i: IncidentRow) -> bool:
        return (i.reopen_count or 0) > 0

    findings = []
    for group, members, judged, hits, share, org in _raised(groups, rows, known, reopened, 0.10):
        findings.append(
            finding(
                "reopen",
                name,
                group,
                f"{share:.0%} of {group}'s incidents are reopened ({len(hits)} of {len(judged)} "
                f"with a known count; {org:.0%} overall)",
                evidence={
                    "reopened_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "incidents": len(judged),
                    "unknown": len(members) - len(judged),
                    "samples": samples(hits),
                },
                value_hours=found.yearly(len(hits) * median_hours(members)),
                confidence=min(1.0, len(hits) / 20),
                objective=suggest(
                    "reopen_pct",
                    {name: group},
                    window="30d",
                    baseline=round(100 * share, 1),
                    target=round(100 * max(org, share / 2), 1),
                    direction="decrease",
                    kpi_kind="process_efficiency",
                ),
                members=members,
            )
        )
    return findings


def ping_pong(
    groups: Groups, rows: list[IncidentRow], name: str, found: Detection
) -> list[Finding]:
    """Rework: incidents handed back to a team that already had them (A → B → A) where the export
    says so; otherwise passed on three times or more. Far more often than overall."""
    returns = any(r.ping_pong_count is not None for r in rows)

    def known(i: IncidentRow) -> bool:
        return (i.ping_pong_count if returns else i.reassignment_count) is not None

    def bounces(i: IncidentRow) -> bool:
        if returns:
            return (i.ping_pong_count or 0) > 0
        return (i.reassignment_count or 0) >= 3

    what = "go back to a team that had them" if returns else "bounce 3+ times"
    findings = []
    for group, members, judged, bounced, share, org in _raised(groups, rows, known, bounces, 0.15):
        counted = [i.reassignment_count for i in members if i.reassignment_count is not None]
        findings.append(
            finding(
                "ping_pong",
                name,
                group,
                f"{share:.0%} of {group}'s incidents {what} ({len(bounced)} of {len(judged)} "
                f"with a known count; {org:.0%} overall)",
                evidence={
                    "bounced_share": round(share, 3),
                    "organisation_share": round(org, 3),
                    "mean_reassignments": round(statistics.fmean(counted), 2) if counted else None,
                    "incidents": len(judged),
                    "unknown": len(members) - len(judged),
                    "samples": samples(bounced),
                },
                value_hours=found.yearly(len(bounced) * 0.5 * median_hours(members)),
                confidence=min(1.0, len(bounced) / 20),
                objective=suggest(
                    "mttr_median_hours",
                    {name: group},
                    window="30d",
                    baseline=round(median_hours(members), 1),
                    target=round(median_hours(rows), 1),
                    direction="decrease",
                    kpi_kind="process_efficiency",
                ),
                members=members,
            )
        )
    return findings
