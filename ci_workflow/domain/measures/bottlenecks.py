"""The practice's bottlenecks as opportunities of their own kinds, pure: which gate waits and
stalls become findings, what they say, and the objective their improvement would start from.

- ``practice_gate_wait``: a gate, or an approver, whose waits decided in the period number at
  least ``MIN_WAITS`` and whose p90 is past the overdue line (``gate_overdue_days``): a pattern,
  not one late decision (the watchdog already chases each overdue gate).
- ``practice_stall``: the improvements of one process stalled at the end of the period.

A finding is recorded once per group and calendar quarter of the period's end: a rerun of the
report adds nothing, a dismissed one stays dismissed for that quarter, and a bottleneck that
lasts is found again the next quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.measures.practice_stats import WORK_GATES, Stall, WaitFigures, quarter_of
from ci_workflow.domain.numbers import days, number

GATE_WAIT, STALL = "practice_gate_wait", "practice_stall"
KINDS = (GATE_WAIT, STALL)
MIN_WAITS = 3
SHOWN_STALLS = 20  # in a finding's evidence; the count covers them all


@dataclass(frozen=True)
class Bottleneck:
    kind: str
    group_by: str  # gate, approver, process
    group: str
    title: str
    evidence: dict[str, Any]
    objective: dict[str, Any]  # the suggested objective, measured by a person (manual)
    fingerprint: str


def _fingerprint(kind: str, group_by: str, group: str, end: datetime) -> str:
    year, quarter = quarter_of(end)
    return f"{kind}|{group_by}|{group}|{year}Q{quarter}"


def gate_waits(
    figures: list[WaitFigures], group_by: str, overdue_days: float, end: datetime
) -> list[Bottleneck]:
    """Gates (``group_by`` "gate") or approvers ("approver") whose decisions wait too long; a
    gate that waits on the team's own work (``WORK_GATES``) is not a bottleneck of decisions."""
    found = []
    for f in figures:
        p90 = f.decided.p90_days
        if f.decided.count < MIN_WAITS or p90 is None or p90 <= overdue_days:
            continue
        if group_by == "gate" and f.name in WORK_GATES:
            continue
        who = f"gate {f.name.replace('_', ' ')}" if group_by == "gate" else f"decisions by {f.name}"
        found.append(
            Bottleneck(
                kind=GATE_WAIT,
                group_by=group_by,
                group=f.name,
                title=f"Waits at {who}: p90 {days(p90)} over {f.decided.count} decisions, "
                f"past the {number(overdue_days)}-day overdue line",
                evidence={
                    "decided": f.decided.count,
                    "median_days": round(f.decided.median_days or 0, 2),
                    "p90_days": round(p90, 2),
                    "overdue_days": overdue_days,
                    "open_at_end": f.open_now,
                },
                objective={
                    "metric": "gate_wait_p90_days",
                    "unit": "days",
                    "window": "90d",
                    "baseline": round(p90, 1),
                    "target": overdue_days,
                    "direction": "decrease",
                    "kpi_kind": "other",
                },
                fingerprint=_fingerprint(GATE_WAIT, group_by, f.name, end),
            )
        )
    return found


def stalls(found: list[Stall], stall_days: float, end: datetime) -> list[Bottleneck]:
    """One finding per process with stalled improvements."""
    by_process: dict[str, list[Stall]] = {}
    for stall in found:
        by_process.setdefault(stall.process, []).append(stall)
    return [
        Bottleneck(
            kind=STALL,
            group_by="process",
            group=process,
            title=f"{len(those)} improvement{'s' * (len(those) > 1)} of {process} stalled: no "
            f"checkpoint, decision or move for {number(stall_days)} days or more",
            evidence={
                "stalled": len(those),
                "stall_days": stall_days,
                "improvements": [
                    f"{format_id(s.improvement_id)} {s.title[:80]} ({s.status}, idle "
                    f"{days(s.idle_days)})"
                    for s in those[:SHOWN_STALLS]
                ],
            },
            objective={
                "metric": "stalled_improvements",
                "unit": "",
                "window": "30d",
                "baseline": float(len(those)),
                "target": 0.0,
                "direction": "decrease",
                "kpi_kind": "other",
            },
            fingerprint=_fingerprint(STALL, "process", process, end),
        )
        for process, those in sorted(by_process.items())
    ]
