"""Detectors over imported incidents: each finds groups (by service, category or assignment
group) that deserve an improvement, with the evidence, an estimated value, a suggested SMART
objective and a score. Pure functions: the caller loads the incidents.

The period is split into a reference part and a recent part (default: its last quarter is
recent). Groups with fewer than ``MIN_INCIDENTS`` incidents are too small to judge, and detectors
whose fields no incident has are not run: both are listed as skipped, with the reason. Findings
about one group are merged into one, with each signal listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from ci_workflow.domain.records.completeness import complete_days
from ci_workflow.opportunities.detectors import long_resolution, rising_share, sla_breaches
from ci_workflow.opportunities.findings import (
    MIN_INCIDENTS,
    Detection,
    Finding,
    IncidentRow,
    merged,
)
from ci_workflow.opportunities.known_errors import ProblemRow, SlaRow, record_findings
from ci_workflow.opportunities.problems import (
    ChangeRow,
    change_spikes,
    imported_change_spikes,
    recurring_problems,
)
from ci_workflow.opportunities.rework import ping_pong, reopens

__all__ = [
    "GROUPINGS",
    "MIN_INCIDENTS",
    "ChangeRow",
    "Detection",
    "Finding",
    "IncidentRow",
    "ProblemRow",
    "SlaRow",
    "detect",
]

GROUPINGS = ("service", "category", "assignment_group")

# Each detector with the fields it needs some incident in the period to have: without them it
# is skipped, with the reason, rather than run on blanks.
GROUP_DETECTORS = (
    (rising_share, ()),
    (long_resolution, ("resolved_at",)),
    (sla_breaches, ("sla_met",)),
    (reopens, ("reopen_count",)),
    (ping_pong, ("reassignment_count", "ping_pong_count")),
)


def detect(
    incidents: Iterable[IncidentRow],
    *,
    start: datetime,
    end: datetime,
    split: datetime | None = None,
    group_by: tuple[str, ...] = GROUPINGS,
    changes: tuple[ChangeRow, ...] = (),
    problems: tuple[ProblemRow, ...] = (),
    slas: tuple[SlaRow, ...] = (),
) -> Detection:
    """``changes``: imported changes closed in the period (``improve import changes``);
    ``problems`` and ``slas``: imported problem records and SLAs started in it. Only the
    days the data is complete are judged (``completeness``); incidents opened before them count
    only for how long they took, entering late."""
    loaded = [i for i in incidents if start < i.opened_at <= end]
    found, rows = _complete_part(loaded, start, end, split)
    if not rows:
        found.skipped.append("no incidents opened in the period")
        return found
    known = {f for f in FIELDS if any(getattr(r, f) is not None for r in rows)}
    detectors = []
    for detector, needs in GROUP_DETECTORS:
        if needs and not known & set(needs):
            found.skipped.append(_unmapped(detector.__name__, needs))
        else:
            detectors.append(detector)
    for name in group_by:
        if name not in known:
            found.skipped.append(_unmapped(f"grouping by {name}", (name,)))
            continue
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
        for detector in detectors:
            found.findings += detector(judged, rows, name, found)
    _across_groups(rows, known, changes, found)
    found.findings += record_findings(rows, problems, slas, found, group_by)
    found.findings = merged(found.findings)
    return found


def _across_groups(
    rows: list[IncidentRow], known: set[str], changes: tuple[ChangeRow, ...], found: Detection
) -> None:
    """The detectors of problems and changes, across the groupings."""
    # Incidents without a problem record only mean something where some have one.
    if "problem_id" in known:
        found.findings += recurring_problems(rows, found)
    else:
        found.skipped.append(_unmapped("recurring_problems", ("problem_id",)))
    linked = change_spikes(rows, found) if "change_id" in known else []
    found.findings += linked
    if changes:
        named = {f.evidence["change"] for f in linked}
        found.findings += imported_change_spikes(rows, list(changes), found, named)
    elif "change_id" not in known:
        found.skipped.append(
            "change_spikes: no incident in the period has change_id and no change closed in it "
            "was imported (map a column, or improve import changes)"
        )


def _complete_part(
    loaded: list[IncidentRow], start: datetime, end: datetime, split: datetime | None
) -> tuple[Detection, list[IncidentRow]]:
    """The period narrowed to the days the data is complete (only where it has a ragged edge),
    and the incidents opened in them."""
    complete = complete_days(i.opened_at.date() for i in loaded)
    if complete is None:
        return Detection(start, split or start + (end - start) * 3 / 4, end), []
    if complete.first > complete.start:
        start = max(start, datetime.combine(complete.first, time.min, UTC))
    if complete.last < complete.end:
        end = min(end, datetime.combine(complete.last + timedelta(days=1), time.min, UTC))
    split = split if split and start < split < end else start + (end - start) * 3 / 4
    found = Detection(
        start,
        split,
        end,
        early=[i for i in loaded if i.opened_at.date() < complete.first],
        seen_until=max(max(i.opened_at, i.resolved_at or i.opened_at) for i in loaded),
        completeness=complete.describe(),
    )
    return found, [i for i in loaded if complete.first <= i.opened_at.date() <= complete.last]


FIELDS = (
    "resolved_at",
    "category",
    "service",
    "assignment_group",
    "sla_met",
    "reopen_count",
    "reassignment_count",
    "ping_pong_count",
    "problem_id",
    "change_id",
)


def _unmapped(what: str, needs: tuple[str, ...]) -> str:
    fields = " or ".join(needs)
    return f"{what}: no incident in the period has {fields} (map a column or derive it)"
