"""Detectors over imported incidents: each finds groups (by service, category or assignment
group) that deserve an improvement, with the evidence, an estimated value, a suggested SMART
objective and a score. Pure functions: the caller loads the incidents.

The period is split into a reference part and a recent part (default: its last quarter is
recent). Groups with fewer than ``MIN_INCIDENTS`` incidents are too small to judge; they are
listed as skipped, with the reason, rather than reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from ci_workflow.opportunities.detectors import GROUP_DETECTORS
from ci_workflow.opportunities.findings import (
    MIN_INCIDENTS,
    Detection,
    Finding,
    IncidentRow,
)
from ci_workflow.opportunities.problems import change_spikes, recurring_problems

__all__ = ["GROUPINGS", "MIN_INCIDENTS", "Detection", "Finding", "IncidentRow", "detect"]

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
        for detector in GROUP_DETECTORS:
            found.findings += detector(judged, rows, name, found)
    found.findings += recurring_problems(rows, found)
    found.findings += change_spikes(rows, found)
    found.findings.sort(key=lambda f: (-f.score, f.kind, f.group))
    return found
