"""Each opportunity detector on small hand-made incident data whose answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from ci_workflow.opportunities.detect import MIN_INCIDENTS, ChangeRow, IncidentRow, detect

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(weeks=12)  # the last 3 weeks are the recent part
numbers = count(1)


def incidents(
    how_many: int,
    *,
    group: str = "Steady",
    first_week: float = 0,
    weeks: float = 12,
    hours: float = 4,
    **fields: Any,
) -> list[IncidentRow]:
    """``how_many`` incidents spread evenly over ``weeks`` from ``first_week``, in category ``group``."""
    rows = []
    for k in range(how_many):
        opened = START + timedelta(weeks=first_week + weeks * (k + 0.5) / how_many)
        values = {
            "category": group,
            "service": f"svc-{group}",
            "assignment_group": f"team-{group}",
            "priority": "3",
            "sla_met": True,
            "reopen_count": 0,
            "reassignment_count": 0,
            "ping_pong_count": None,
            "problem_id": None,
            "change_id": None,
        } | fields
        rows.append(
            IncidentRow(
                number=f"INC{next(numbers):05d}",
                opened_at=opened,
                resolved_at=opened + timedelta(hours=hours),
                **values,
            )
        )
    return rows


def kinds(rows: list[IncidentRow], group: str) -> set[str]:
    found = detect(rows, start=START, end=END, group_by=("category",))
    return {f.kind for f in found.findings if f.group == group}


def test_a_rising_share_is_found_and_steady_noise_is_not() -> None:
    rows = (
        incidents(18, group="Net", weeks=9)
        + incidents(24, group="Net", first_week=9, weeks=3)
        + incidents(30)
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    (rising,) = [f for f in found.findings if f.kind == "rising_share"]
    split = START + timedelta(weeks=9)
    recent = [r for r in rows if r.opened_at > split]
    was = 18 / (len(rows) - len(recent))
    now = 24 / len(recent)
    assert rising.group == "Net"
    assert rising.evidence["reference_share"] == round(was, 4)
    assert rising.evidence["recent_share"] == round(now, 4)
    assert (
        rising.evidence["reference_per_week"] == 2.0 and rising.evidence["recent_per_week"] == 8.0
    )
    assert rising.evidence["p_value"] < 0.001 and rising.confidence > 0.99
    assert (now, was) == (pytest.approx(0.774, abs=5e-4), pytest.approx(0.439, abs=5e-4))
    assert rising.title == "Net: 77.4 % of incidents, was 43.9 % (all incidents ×2.27)"
    assert rising.objective == {
        "metric": "incident_count",
        "filter": {"category": "Net"},
        "window": "7d",
        "baseline": 8.0,
        "target": round(was * len(recent) / 3, 2),
        "direction": "decrease",
        "kpi_kind": "incident_volume",
    }
    assert rising.source == "incident_trend" and len(rising.evidence["samples"]) == 5
    assert "rising_share" not in kinds(rows, "Steady")


def test_a_log_that_grows_as_a_whole_flags_no_rise_and_a_falling_share_is_not_rising() -> None:
    # Every group grows 48 times over (how the extract was cut); Mail grows less: its share fell.
    rows = []
    for group, before, after in (("Net", 10, 480), ("Disk", 10, 480), ("Mail", 10, 240)):
        rows += incidents(before, group=group, weeks=9)
        rows += incidents(after, group=group, first_week=9, weeks=3)
    found = detect(rows, start=START, end=END, group_by=("category",))
    assert [f for f in found.findings if f.kind == "rising_share"] == []


def test_incidents_resolved_before_opened_do_not_break_detection() -> None:
    rows = incidents(40) + incidents(20, group="Odd", hours=-5)
    found = detect(rows, start=START, end=END, group_by=("category",))
    assert not [f for f in found.findings if f.group == "Odd"]


def test_detectors_without_their_fields_are_skipped_with_the_reason() -> None:
    rows = incidents(60, sla_met=None, reopen_count=None, reassignment_count=None) + incidents(
        3 * MIN_INCIDENTS, group="Print", sla_met=None, reopen_count=None, reassignment_count=None
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    assert [f for f in found.findings if f.kind == "recurring_problem"] == []
    assert found.skipped == [
        "sla_breaches: no incident in the period has sla_met (map a column or derive it)",
        "reopens: no incident in the period has reopen_count (map a column or derive it)",
        "ping_pong: no incident in the period has reassignment_count or ping_pong_count (map a column or derive it)",
        "recurring_problems: no incident in the period has problem_id (map a column or derive it)",
        "change_spikes: no incident in the period has change_id and no change closed in it was "
        "imported (map a column, or improve import changes)",
        "known_error_recurring, stale_problem: no problem record is imported "
        "(improve import problems)",
        "sla_definition_breach: no SLA record started in the period",
    ]


def test_one_group_with_several_signals_is_one_finding() -> None:
    rows = incidents(80, hours=4, ping_pong_count=0) + incidents(
        30, group="Trouble", hours=40, sla_met=False, ping_pong_count=1
    )
    found = detect(rows, start=START, end=END, group_by=("category",))
    (trouble,) = [f for f in found.findings if f.group == "Trouble"]
    kinds_found = {s["kind"] for s in trouble.evidence["signals"]}
    assert kinds_found == {"long_resolution", "sla_breach", "ping_pong"}
    doubt = 1.0
    for signal in trouble.evidence["signals"]:
        doubt *= 1 - signal["confidence"]
    assert trouble.confidence == pytest.approx(1 - doubt, abs=1e-4)
    assert "back to a team that had them" in " ".join(
        s["title"] for s in trouble.evidence["signals"]
    )


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
    assert found.skipped[0] == (
        f"1 category group(s) under {MIN_INCIDENTS} incidents, too small to judge (e.g. Tiny)"
    )
    empty = detect(rows, start=END, end=END + timedelta(weeks=4))
    assert empty.findings == [] and empty.skipped == ["no incidents opened in the period"]


def test_findings_are_ranked_by_expected_value_without_ties_at_a_cap() -> None:
    rows = (
        incidents(40)
        + incidents(20, group="Late", sla_met=False)
        + incidents(20, group="Slow", hours=400)
        + incidents(20, group="Slower", hours=4000)
    )
    found = detect(rows, start=START, end=END, group_by=("category",)).findings
    scores = [f.score for f in found]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert all(f.score == round(f.value_hours * f.confidence, 1) for f in found)
    assert found[0].group == "Slower" and found[0].score > 10 * found[1].score
    assert found[0].ranking.endswith(f"= {found[0].score:,.0f} expected")


def test_an_imported_change_followed_by_a_spike_on_its_service_without_links() -> None:
    quiet = incidents(24, group="Web", weeks=12)  # 2 a week on svc-Web
    closed = START + timedelta(weeks=8, hours=1)
    spike = incidents(12, group="Web", first_week=8 + 2 / (7 * 24), weeks=0.9)  # in the week after
    rows = incidents(40) + quiet + spike
    changes = (ChangeRow("CHG9", "svc-Web", closed), ChangeRow("CHG8", "svc-Steady", closed))
    found = detect(rows, start=START, end=END, group_by=("category",), changes=changes)
    (change,) = [f for f in found.findings if f.kind == "change_spike"]
    week = timedelta(days=7)
    web = [r.opened_at for r in rows if r.service == "svc-Web"]
    after = sum(1 for at in web if closed < at <= closed + week)
    before = sum(1 for at in web if closed - week < at <= closed)
    assert change.group == "CHG9 on svc-Web"
    assert (change.evidence["incidents_after"], change.evidence["incidents_before"]) == (
        after,
        before,
    )
    assert after >= 12 and change.title.startswith(
        f"{after} incidents on svc-Web in the week after"
    )
    assert (
        change.objective["filter"] == {"service": "svc-Web"}
        and change.objective["target"] == before
    )
