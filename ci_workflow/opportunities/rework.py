"""Detectors of rework in groups of incidents: reopened after resolution, and handed back and
forth between teams (ping-pong, or three or more reassignments)."""

from __future__ import annotations

import statistics

from ci_workflow.opportunities.findings import (
    Detection,
    Finding,
    Groups,
    IncidentRow,
    finding,
    median_hours,
    samples,
    suggest,
)


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
