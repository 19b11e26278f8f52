"""The practice's figures at their edges (a stay leaving on the period's bounds, a stall of exactly
the idle days, quarters in UTC whatever the machine's zone, the order of the slowest gates) and
the findings written out whole, as the report and the register show them."""

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ci_workflow.domain.measures.bottlenecks import Bottleneck, gate_waits, stalls
from ci_workflow.domain.measures.practice_stats import (
    Activity,
    Spread,
    Stall,
    Stay,
    Wait,
    WaitFigures,
    Waiting,
    quarterly,
    stage_times,
    stalled,
    status_at,
    waits_by,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


START, END = at("2026-01-01"), at("2026-07-01")


# --- practice_stats ---


def test_a_gate_with_waits_decided_comes_before_one_only_waiting() -> None:
    # decided in half a day (p90 0.5) against open only (no p90): the slower decided one first
    decided = [Wait("resubmitted", "Omar", at("2026-06-01"), at("2026-06-01T12:00"))]
    waiting = [Waiting("plan_approval", ("Omar",), at("2026-06-30"))]
    assert [w.name for w in waits_by(decided, waiting, END, "gate")] == [
        "resubmitted",
        "plan_approval",
    ]


def test_at_an_equal_p90_the_gate_with_more_open_comes_first() -> None:
    decided = [
        Wait("plan_approval", "Omar", at("2026-06-01"), at("2026-06-03")),
        Wait("review_signoff", "Omar", at("2026-06-01"), at("2026-06-03")),
    ]
    waiting = [
        Waiting("review_signoff", ("Omar",), at("2026-06-20")),
        Waiting("review_signoff", ("Omar",), at("2026-06-25")),
        Waiting("plan_approval", ("Omar",), at("2026-06-29")),
    ]
    found = waits_by(decided, waiting, END, "gate")
    assert [(w.name, w.open_now) for w in found] == [("review_signoff", 2), ("plan_approval", 1)]
    assert found[0].oldest_open_days == 11.0


def test_a_stay_counts_when_it_ends_after_the_start_up_to_the_end_itself() -> None:
    stays = [
        Stay(1, "defined", at("2025-12-01"), START),  # left on the start: before the period
        Stay(2, "defined", at("2025-12-01"), START + timedelta(days=1)),  # 32 days
        Stay(3, "defined", at("2026-06-21"), END),  # left on the end itself: 10 days, in
        Stay(4, "defined", at("2026-06-01"), END + timedelta(seconds=1)),  # still in at the end
    ]
    found = {s.stage: s for s in stage_times(stays, START, END)}
    assert found["defined"].left == Spread(2, 21.0, 32.0)
    assert found["defined"].in_it == 1


def test_every_improvement_in_a_stage_at_the_end_is_counted() -> None:
    stays = [
        Stay(1, "executing", at("2026-03-01"), None),
        Stay(2, "executing", END, None),  # entered at the end itself: in it
        Stay(3, "executing", at("2026-03-01"), END),  # left at the end itself: not in it
        Stay(4, "planned", at("2026-03-01"), None),
    ]
    found = {s.stage: s.in_it for s in stage_times(stays, START, END)}
    assert found["executing"] == 2 and found["planned"] == 1
    assert status_at(stays, END) == {1: "executing", 2: "executing", 4: "planned"}


def test_idle_exactly_the_stall_days_is_stalled() -> None:
    activity = [Activity(5, "Quiet", "Incident Management", END - timedelta(days=30))]
    assert stalled(activity, {5: "planned"}, END, 30) == [
        Stall(5, "Quiet", "Incident Management", "planned", at("2026-06-01"), 30.0)
    ]
    assert stalled(activity, {5: "planned"}, END, 30.5) == []


def test_quarters_are_calendar_quarters_in_utc_whatever_the_machine_s_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 23:30 UTC on the last day of March is already April in Tokyo; 2 p.m. UTC on the last
    # day of September is still September in Tokyo (23:00) but the start is given in +09:00
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        found = quarterly([], at("2026-03-31T23:30"), at("2026-09-30T23:30"))
        labels = [q.label for q in found]
        ends_in_june = quarterly([], at("2026-04-01T12:00"), at("2026-06-30T16:00"))
        tokyo = timezone(timedelta(hours=9))
        late_start = quarterly(
            [], datetime(2026, 4, 1, 8, 0, tzinfo=tokyo), datetime(2026, 7, 1, 8, 0, tzinfo=tokyo)
        )
    finally:
        monkeypatch.undo()
        time.tzset()
    assert labels == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert [q.label for q in ends_in_june] == ["2026 Q2"]
    # 08:00 in Tokyo on 1 April is 23:00 UTC on 31 March
    assert [q.label for q in late_start] == ["2026 Q1", "2026 Q2"]


# --- bottlenecks ---


def test_a_gate_wait_finding_written_out_whole() -> None:
    figures = [
        WaitFigures("review_signoff", Spread(3, 5.1234, 17.4567), 2, 9.0),
    ]
    (found,) = gate_waits(figures, "gate", 5.0, at("2026-05-15"))
    assert found == Bottleneck(
        kind="practice_gate_wait",
        group_by="gate",
        group="review_signoff",
        title="Waits at gate review signoff: p90 17.5 days over 3 decisions, "
        "past the 5-day overdue line",
        evidence={
            "decided": 3,
            "median_days": 5.12,
            "p90_days": 17.46,
            "overdue_days": 5.0,
            "open_at_end": 2,
        },
        objective={
            "metric": "gate_wait_p90_days",
            "unit": "days",
            "window": "90d",
            "baseline": 17.5,
            "target": 5.0,
            "direction": "decrease",
            "kpi_kind": "other",
        },
        fingerprint="practice_gate_wait|gate|review_signoff|2026Q2",
    )


def test_every_gate_past_the_line_is_found_not_only_up_to_the_first_within_it() -> None:
    figures = [
        WaitFigures("resubmitted", Spread(9, 1.0, 2.0), 0, None),  # within the line
        WaitFigures("plan_approval", Spread(2, 30.0, 40.0), 0, None),  # too few
        WaitFigures("review_signoff", Spread(3, 6.0, 7.5), 0, None),  # past it
        WaitFigures("execution_complete", Spread(0, None, None), 4, 20.0),  # none decided
    ]
    found = gate_waits(figures, "gate", 5.0, at("2026-05-15"))
    assert [b.group for b in found] == ["review_signoff"]


def test_a_p90_on_the_overdue_line_is_no_finding_just_past_it_is() -> None:
    on = WaitFigures("Omar", Spread(3, 4.0, 5.0), 0, None)
    past = WaitFigures("Carmen", Spread(3, 4.0, 5.01), 0, None)
    assert [b.group for b in gate_waits([on, past], "approver", 5.0, END)] == ["Carmen"]
    (carmen,) = gate_waits([past], "approver", 5.0, END)
    assert carmen.title == (
        "Waits at decisions by Carmen: p90 5.01 days over 3 decisions, past the 5-day overdue line"
    )
    assert carmen.evidence["median_days"] == 4.0 and carmen.objective["baseline"] == 5.0


def stall(n: int, process: str, title: str = "Faster triage") -> Stall:
    return Stall(n, title, process, "executing", at("2026-03-01"), 45.4)


def test_a_stall_finding_written_out_whole() -> None:
    long_title = "T" * 85
    (found,) = stalls([stall(12, "Incident Management", long_title)], 30.0, at("2026-08-01"))
    assert found == Bottleneck(
        kind="practice_stall",
        group_by="process",
        group="Incident Management",
        title="1 improvement of Incident Management stalled: no checkpoint, decision or move "
        "for 30 days or more",
        evidence={
            "stalled": 1,
            "stall_days": 30.0,
            "improvements": [f"IMP-0012 {'T' * 80} (executing, idle 45.4 days)"],
        },
        objective={
            "metric": "stalled_improvements",
            "unit": "",
            "window": "30d",
            "baseline": 1.0,
            "target": 0.0,
            "direction": "decrease",
            "kpi_kind": "other",
        },
        fingerprint="practice_stall|process|Incident Management|2026Q3",
    )


def test_two_stalls_of_a_process_are_plural_and_the_evidence_shows_twenty() -> None:
    two = stalls([stall(1, "Change Enablement"), stall(2, "Change Enablement")], 14.0, END)
    assert two[0].title.startswith("2 improvements of Change Enablement stalled: ")
    many = stalls([stall(n, "Change Enablement") for n in range(1, 26)], 14.0, END)
    (finding,) = many
    assert finding.evidence["stalled"] == 25 and len(finding.evidence["improvements"]) == 20
    assert finding.evidence["improvements"][-1].startswith("IMP-0020 ")
    assert finding.objective["baseline"] == 25.0
