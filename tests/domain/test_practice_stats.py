"""The practice's own figures, by hand: p90 by nearest rank, gate waits by gate and approver,
stays in each stage, stalls, the quarterly trend, sources, and which become findings."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime

import pytest

from ci_workflow.domain.measures import bottlenecks
from ci_workflow.domain.measures.practice_stats import (
    WORK_GATES,
    Activity,
    Closed,
    Spread,
    Stay,
    Wait,
    WaitFigures,
    Waiting,
    median,
    p90,
    quarterly,
    shares,
    stage_times,
    stalled,
    status_at,
    waits_by,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def nearest_rank_p90(values: list[float]) -> float:
    """Written out: the value at rank ⌈0.9 n⌉ of the sorted values."""
    ranked = sorted(values)
    return ranked[math.ceil(len(ranked) * 9 / 10) - 1]


@pytest.mark.parametrize(
    "values",
    [[4.0], [1.0, 2.0], [5.0, 1.0, 3.0], list(map(float, range(1, 11))), [2.5] * 7 + [40.0, 1.0]],
)
def test_median_and_p90(values: list[float]) -> None:
    assert median(values) == statistics.median(values)
    assert p90(values) == nearest_rank_p90(values)
    assert p90(values) in values  # always a wait that happened


def test_nothing_measured_has_no_median_or_p90() -> None:
    assert (median([]), p90([])) == (None, None)
    assert p90(list(map(float, range(1, 11)))) == 9.0  # 10 values: the 9th


def test_gate_waits_by_gate_and_by_approver() -> None:
    decided = [
        Wait("plan_approval", "Omar", at("2026-02-01"), at("2026-02-04")),  # 3 days
        Wait("plan_approval", "Omar", at("2026-02-10"), at("2026-02-25")),  # 15
        Wait("plan_approval", "Carmen", at("2026-03-01"), at("2026-03-01T12:00")),  # 0.5
        Wait("review_signoff", "Omar", at("2026-05-01"), at("2026-05-19")),  # 18
    ]
    waiting = [
        Waiting("plan_approval", ("Carmen", "Grace"), at("2026-06-01")),  # 30 days at the end
        Waiting("review_signoff", (), at("2026-06-21")),  # 10 days, nobody may decide
    ]
    end = at("2026-07-01")
    by_gate = {w.name: w for w in waits_by(decided, waiting, end, "gate")}
    assert by_gate["plan_approval"] == WaitFigures(
        "plan_approval", Spread(3, statistics.median([3, 15, 0.5]), 15.0), 1, 30.0
    )
    assert by_gate["review_signoff"] == WaitFigures(
        "review_signoff", Spread(1, 18.0, 18.0), 1, 10.0
    )
    by_person = {w.name: w for w in waits_by(decided, waiting, end, "approver")}
    assert by_person["Omar"].decided == Spread(3, 15.0, nearest_rank_p90([3, 15, 18]))
    assert (by_person["Omar"].open_now, by_person["Carmen"].open_now) == (0, 1)
    assert (by_person["Grace"].decided.count, by_person["Grace"].oldest_open_days) == (0, 30.0)
    assert by_person["nobody"].open_now == 1
    # The slowest first.
    assert waits_by(decided, waiting, end, "gate")[0].name == "review_signoff"


def test_the_teams_own_work_is_a_gate_wait_and_nobodys_decision() -> None:
    """Execution complete waits while the plan is carried out, resubmitted while it is reworked:
    their time is shown per gate, never as the wait of whoever completed or resubmitted."""
    decided = [
        Wait("execution_complete", "Lena", at("2026-01-01"), at("2026-04-11")),  # 100 days
        Wait("resubmitted", "Lena", at("2026-05-01"), at("2026-05-08")),  # 7
        Wait("plan_approval", "Lena", at("2026-05-10"), at("2026-05-12")),  # 2: she decides it
    ]
    waiting = [
        Waiting("execution_complete", ("Lena",), at("2026-06-01")),
        Waiting("resubmitted", ("Lena",), at("2026-06-11")),
        Waiting("review_signoff", ("Lena",), at("2026-06-21")),
    ]
    end = at("2026-07-01")
    by_gate = {w.name: w for w in waits_by(decided, waiting, end, "gate")}
    assert by_gate["execution_complete"] == WaitFigures(
        "execution_complete", Spread(1, 100.0, 100.0), 1, 30.0
    )
    assert by_gate["resubmitted"] == WaitFigures("resubmitted", Spread(1, 7.0, 7.0), 1, 20.0)
    (lena,) = waits_by(decided, waiting, end, "approver")
    assert lena == WaitFigures("Lena", Spread(1, 2.0, 2.0), 1, 10.0)


def test_time_in_each_stage_counts_the_stays_that_ended_in_the_period() -> None:
    stays = [
        Stay(1, "identified", at("2025-12-20"), at("2026-01-10")),  # ended in: 21 days
        Stay(1, "defined", at("2026-01-10"), at("2026-01-12")),  # 2
        Stay(1, "planned", at("2026-01-12"), None),  # still there
        Stay(2, "identified", at("2025-11-01"), at("2025-12-01")),  # ended before the period
        Stay(2, "defined", at("2025-12-01"), at("2026-03-01")),  # 90
        Stay(2, "closed", at("2026-03-01"), None),  # terminal: no stage of the flow
        Stay(3, "identified", at("2026-06-01"), at("2026-08-01")),  # ends after: in it at end
    ]
    found = {s.stage: s for s in stage_times(stays, at("2026-01-01"), at("2026-07-01"))}
    assert found["identified"].left == Spread(1, 21.0, 21.0) and found["identified"].in_it == 1
    assert found["defined"].left == Spread(2, statistics.median([2, 90]), 90.0)
    assert found["planned"].in_it == 1 and found["planned"].left.count == 0
    assert list(found) == [
        "identified",
        "defined",
        "planned",
        "awaiting_approval",
        "approved",
        "executing",
        "in_review",
        "consolidating",
    ]
    assert status_at(stays, at("2026-07-01")) == {1: "planned", 2: "closed", 3: "identified"}


def test_stalled_are_open_and_idle_long_enough() -> None:
    end = at("2026-07-01")
    activity = [
        Activity(1, "Idle", "Incident Management", at("2026-03-01")),  # 122 days
        Activity(2, "Busy", "Incident Management", at("2026-06-20")),  # 11 days
        Activity(3, "Closed long ago", "Incident Management", at("2025-01-01")),
        Activity(4, "Idle too", "Change Enablement", at("2026-05-01")),  # 61 days
    ]
    statuses = {1: "awaiting_approval", 2: "defined", 3: "closed", 4: "executing"}
    found = stalled(activity, statuses, end, 30)
    assert [(s.improvement_id, s.idle_days) for s in found] == [(1, 122.0), (4, 61.0)]
    assert [s.improvement_id for s in stalled(activity, statuses, end, 10)] == [1, 4, 2]


def test_quarterly_trend_from_the_first_quarter_to_the_last() -> None:
    closed = [
        Closed(at("2026-01-05"), at("2026-04-11"), True),  # 96 days
        Closed(at("2026-01-10"), at("2026-05-20"), False),  # 130 days
        Closed(at("2026-07-01"), at("2026-08-01"), True),  # 31 days
    ]
    found = quarterly(closed, at("2026-01-01"), at("2026-09-30"))
    assert [q.label for q in found] == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert found[0].closed == 0 and found[0].success_rate.value is None
    assert found[0].success_rate.reason == "none closed"
    assert (found[1].closed, found[1].successful, found[1].success_rate.value) == (2, 1, 0.5)
    assert found[1].days_to_implement.value == pytest.approx((96 + 130) / 2)
    assert found[2].days_to_implement.value == pytest.approx(31)
    assert [q.label for q in quarterly([], at("2025-11-15"), at("2026-02-01"))] == [
        "2025 Q4",
        "2026 Q1",
    ]


def test_shares_by_source() -> None:
    found = shares({"incident_trend": 2, "problem": 1, "staff_idea": 1, "audit": 0})
    assert [(s.source, s.count, s.share) for s in found] == [
        ("incident_trend", 2, 0.5),
        ("problem", 1, 0.25),
        ("staff_idea", 1, 0.25),
    ]


def test_a_gate_or_approver_past_the_line_three_times_or_more_is_a_finding() -> None:
    end = at("2026-06-30")
    figures = [
        WaitFigures("plan_approval", Spread(3, 15.0, 15.0), 1, 122.0),  # a pattern
        WaitFigures("review_signoff", Spread(2, 13.5, 18.0), 0, None),  # too few to say
        WaitFigures("resubmitted", Spread(5, 1.0, 4.0), 0, None),  # within the line
    ]
    (found,) = bottlenecks.gate_waits(figures, "gate", 5.0, end)
    assert (found.kind, found.group_by, found.group) == (
        "practice_gate_wait",
        "gate",
        "plan_approval",
    )
    assert found.fingerprint == "practice_gate_wait|gate|plan_approval|2026Q2"
    assert found.evidence["p90_days"] == 15.0 and found.evidence["open_at_end"] == 1
    assert found.objective["baseline"] == 15.0 and found.objective["target"] == 5.0
    assert found.title.startswith("Waits at gate plan approval: p90 15 days over 3 decisions")
    # The team's own work past the line is no bottleneck of decisions.
    work = [WaitFigures(g, Spread(9, 60.0, 90.0), 1, 30.0) for g in sorted(WORK_GATES)]
    assert bottlenecks.gate_waits(work, "gate", 5.0, end) == []
    (person,) = bottlenecks.gate_waits(
        [WaitFigures("Omar", Spread(4, 15.0, 18.0), 0, None)], "approver", 5.0, at("2026-07-01")
    )
    assert person.fingerprint == "practice_gate_wait|approver|Omar|2026Q3"
    assert person.title.startswith("Waits at decisions by Omar")


def test_stalls_are_one_finding_per_process() -> None:
    end = at("2026-07-01")
    statuses = {1: "awaiting_approval", 2: "executing", 3: "defined"}
    activity = [
        Activity(1, "A", "Incident Management", at("2026-03-01")),
        Activity(2, "B", "Incident Management", at("2026-05-01")),
        Activity(3, "C", "Change Enablement", at("2026-04-01")),
    ]
    found = bottlenecks.stalls(stalled(activity, statuses, end, 30), 30, end)
    assert [(b.group, b.evidence["stalled"]) for b in found] == [
        ("Change Enablement", 1),
        ("Incident Management", 2),
    ]
    assert found[1].evidence["improvements"][0] == "IMP-0001 A (awaiting_approval, idle 122 days)"
    assert found[1].objective["baseline"] == 2.0 and found[1].objective["target"] == 0.0
    assert found[1].fingerprint == "practice_stall|process|Incident Management|2026Q3"
