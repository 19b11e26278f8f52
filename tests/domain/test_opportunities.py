"""Each opportunity detector on small hand-made incident data whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from ci_workflow.opportunities.detect import MIN_INCIDENTS, IncidentRow, detect

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(weeks=12)  # the last 3 weeks are the recent part
numbers = count(1)


def incidents(how_many: int, *, group: str = "Steady", first_week: float = 0, weeks: float = 12, hours: float = 4,
              **fields: Any) -> list[IncidentRow]:  # fmt: skip
    """``how_many`` incidents spread evenly over ``weeks`` from ``first_week``, in category ``group``."""
    rows = []
    for k in range(how_many):
        opened = START + timedelta(weeks=first_week + weeks * (k + 0.5) / how_many)
        values = {"category": group, "service": f"svc-{group}", "assignment_group": f"team-{group}",
                  "priority": "3", "sla_met": True, "reopen_count": 0, "reassignment_count": 0,
                  "problem_id": None, "change_id": None} | fields  # fmt: skip
        rows.append(IncidentRow(number=f"INC{next(numbers):05d}", opened_at=opened,
                                resolved_at=opened + timedelta(hours=hours), **values))  # fmt: skip
    return rows


def kinds(rows: list[IncidentRow], group: str) -> set[str]:
    found = detect(rows, start=START, end=END, group_by=("category",))
    return {f.kind for f in found.findings if f.group == group}


def test_a_rising_volume_is_found_and_steady_noise_is_not() -> None:
    rows = (
        incidents(18, group="Net", weeks=9)
        + incidents(24, group="Net", first_week=9, weeks=3)
        + incidents(30)
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    (rising,) = [f for f in found.findings if f.kind == "rising_volume"]
    assert (
        rising.group == "Net"
        and rising.evidence["reference_per_week"] == 2.0
        and rising.evidence["recent_per_week"] == 8.0
    )
    assert rising.evidence["p_value"] < 0.001 and rising.confidence > 0.99
    assert rising.objective == {"metric": "incident_count", "filter": {"category": "Net"}, "window": "7d",
                                "baseline": 8.0, "target": 2.0, "direction": "decrease", "kpi_kind": "incident_volume"}  # fmt: skip
    assert rising.source == "incident_trend" and len(rising.evidence["samples"]) == 5
    assert "rising_volume" not in kinds(rows, "Steady")


def test_long_resolution_against_the_same_priorities() -> None:
    rows = (
        incidents(40, hours=4)
        + incidents(20, group="Slow", hours=40)
        + incidents(20, group="Urgent", hours=40, priority="1")
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    slow = [f for f in found.findings if f.kind == "long_resolution"]
    assert [f.group for f in slow] == [
        "Slow"
    ]  # Urgent is slow, but so is every priority-1 incident
    assert slow[0].evidence["median_hours"] == 40 and slow[0].evidence["norm_hours"] == 4
    assert slow[0].value_hours > 0 and slow[0].objective["target"] == 4.8


def test_sla_breaches_reopens_and_ping_pong() -> None:
    rows = (
        incidents(60)
        + incidents(20, group="Late", sla_met=False)
        + incidents(20, group="Again", reopen_count=1)
        + incidents(20, group="Bouncing", reassignment_count=4)
    )
    assert "sla_breach" in kinds(rows, "Late")
    assert "reopen" in kinds(rows, "Again")
    assert "ping_pong" in kinds(rows, "Bouncing")
    assert kinds(rows, "Steady") == set()


def test_recurring_problems_and_change_spikes() -> None:
    rows = (
        incidents(40)
        + incidents(6, group="Db", problem_id="PRB7")
        + incidents(6, group="Web", change_id="CHG3")
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    problem = next(f for f in found.findings if f.kind == "recurring_problem" and f.group == "PRB7")
    assert problem.source == "problem" and problem.evidence["incidents"] == 6
    assert problem.evidence["problem_record"] is True
    change = next(f for f in found.findings if f.kind == "change_spike")
    assert change.group == "CHG3 on svc-Web" and change.objective["filter"] == {
        "service": "svc-Web"
    }
    unlinked = incidents(3 * MIN_INCIDENTS, group="Print")
    found = detect(rows + unlinked, start=START, end=END, group_by=("category",))
    assert any(
        f.kind == "recurring_problem" and f.group == "Print / svc-Print" for f in found.findings
    )


def test_groups_too_small_to_judge_and_empty_periods_are_said() -> None:
    rows = incidents(40) + incidents(MIN_INCIDENTS - 1, group="Tiny", sla_met=False, reopen_count=2)
    found = detect(rows, start=START, end=END, group_by=("category",))
    assert not [f for f in found.findings if f.group == "Tiny"]
    assert found.skipped == [
        f"1 category group(s) under {MIN_INCIDENTS} incidents, too small to judge (e.g. Tiny)"
    ]
    empty = detect(rows, start=END, end=END + timedelta(weeks=4))
    assert empty.findings == [] and empty.skipped == ["no incidents opened in the period"]


def test_findings_are_ranked_by_score() -> None:
    rows = (
        incidents(40)
        + incidents(20, group="Late", sla_met=False)
        + incidents(20, group="Slow", hours=400)
    )
    scores = [f.score for f in detect(rows, start=START, end=END, group_by=("category",)).findings]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
