"""Detection on extracts cut by a window (issue 25): when the data is complete, durations with
open incidents censored and early ones entering late, rises judged against the rest of the
organisation, one finding for the same incidents under several groupings. Expected values come
from lifelines and plain counting in the test, not from the project's code."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from ci_workflow.domain.measures.survival import LogRank, Spell, median_hours, survival
from ci_workflow.domain.records.completeness import MIN_DAYS, complete_days
from ci_workflow.opportunities.detect import IncidentRow, detect

numbers = count(1)


def spells(
    seed: int, n: int, mean: float, *, late: float = 0.0, open_share: float = 0.2
) -> list[Spell]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        hours = round(rng.expovariate(1 / mean), 1) + 0.1
        entry = round(rng.uniform(0, hours * 1.5), 1) if rng.random() < late else 0.0
        out.append(Spell(hours, rng.random() >= open_share, entry))
    return out


def lifelines_km(data: list[Spell]):  # type: ignore[no-untyped-def]
    from lifelines import KaplanMeierFitter

    seen = [s for s in data if s.hours > s.entry]
    return KaplanMeierFitter().fit(
        [s.hours for s in seen], [s.resolved for s in seen], entry=[s.entry for s in seen]
    )


def test_the_survival_estimate_with_late_entries_and_open_incidents_equals_lifelines() -> None:
    data = spells(1, 500, 30, late=0.3)
    fitted = lifelines_km(data)
    ours = survival(data)
    assert len(ours) == len({s.hours for s in data if s.resolved and s.hours > s.entry})
    for t, share in ours:
        assert share == pytest.approx(float(fitted.survival_function_.loc[t].iloc[0]), abs=1e-12)
    assert median_hours(data) == pytest.approx(fitted.median_survival_time_)
    # Spells that ended before the data saw them are not there at all.
    assert survival([Spell(5, True, 6), *data]) == ours


def test_no_median_while_more_than_half_are_still_open() -> None:
    assert median_hours([Spell(1, True), Spell(2, False), Spell(3, False)]) is None
    assert median_hours([Spell(1, True), Spell(2, True), Spell(3, False)]) == 2
    assert median_hours([]) is None


def independent_logrank(group: list[Spell], rest: list[Spell]) -> float:
    """The textbook statistic over explicit risk sets (entry < t <= hours), one-sided, longer."""
    everyone = [s for s in group + rest if s.hours > s.entry]
    mine = [s for s in group if s.hours > s.entry]
    times = sorted({s.hours for s in everyone if s.resolved})
    observed = sum(1 for s in mine if s.resolved)
    expected = variance = 0.0
    for t in times:
        n = sum(1 for s in everyone if s.entry < t <= s.hours)
        n1 = sum(1 for s in mine if s.entry < t <= s.hours)
        d = sum(1 for s in everyone if s.resolved and s.hours == t)
        expected += d * n1 / n
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    z = (observed - expected) / math.sqrt(variance)
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_the_log_rank_test_equals_lifelines_and_the_textbook_with_late_entries() -> None:
    from lifelines.statistics import logrank_test

    slow, usual = spells(2, 80, 45), spells(3, 300, 30)
    both = LogRank(slow + usual)
    result = logrank_test(
        [s.hours for s in slow],
        [s.hours for s in usual],
        [s.resolved for s in slow],
        [s.resolved for s in usual],
    )
    assert both.longer_p_value(slow) == pytest.approx(result.p_value / 2, rel=1e-9)
    assert both.longer_p_value(usual) == pytest.approx(1 - result.p_value / 2, rel=1e-9)
    late_slow, late_usual = spells(4, 80, 45, late=0.4), spells(5, 300, 30, late=0.4)
    assert LogRank(late_slow + late_usual).longer_p_value(late_slow) == pytest.approx(
        independent_logrank(late_slow, late_usual), rel=1e-9
    )
    assert both.longer_p_value([]) == 1.0
    assert LogRank([Spell(1, False)]).longer_p_value([Spell(1, False)]) == 1.0


def test_completeness_finds_the_steady_days_between_ragged_edges() -> None:
    first = date(2026, 1, 1)
    opened = []
    for day in range(120):
        # A ramp up over the first 30 days, 40 a day in the middle, gone in the last 20.
        n = 40 if 30 <= day < 100 else (day + 1 if day < 30 else 2)
        opened += [first + timedelta(days=day)] * n
    found = complete_days(opened)
    assert found is not None and found.judged and not found.whole
    assert (found.start, found.end) == (first, first + timedelta(days=119))
    assert first + timedelta(days=24) <= found.first <= first + timedelta(days=30)
    assert first + timedelta(days=99) <= found.last <= first + timedelta(days=105)
    assert f"data complete from {found.first} to {found.last}" in found.describe()
    assert "incidents opened outside the complete days" in found.describe()


def test_completeness_keeps_steady_data_whole_and_says_when_it_cannot_tell() -> None:
    first = date(2026, 1, 1)
    rng = random.Random(6)
    steady = [first + timedelta(days=d) for d in range(90) for _ in range(rng.randint(3, 9))]
    found = complete_days(steady)
    assert found is not None and found.whole and found.judged
    assert (
        found.describe()
        == f"data complete from {first} to {first + timedelta(days=89)} (steady daily volume)"
    )
    short = complete_days([first, first + timedelta(days=MIN_DAYS - 2)])
    assert short is not None and not short.judged and short.whole
    assert "too short to tell" in short.describe()
    assert complete_days([]) is None
    exactly = complete_days([first + timedelta(days=d) for d in range(MIN_DAYS)])
    assert exactly is not None and exactly.judged


def row(opened: datetime, hours: float | None, group: str, *, resolved: bool = True) -> IncidentRow:
    return IncidentRow(
        number=f"INC{next(numbers):06d}",
        opened_at=opened,
        resolved_at=opened + timedelta(hours=hours) if resolved and hours is not None else None,
        category=group,
        service=f"svc-{group}",
        priority="3",
        assignment_group=f"team-{group}",
        sla_met=None,
        reopen_count=None,
        reassignment_count=None,
        ping_pong_count=None,
        problem_id=None,
        change_id=None,
    )


WINDOW_START = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 6, 1, tzinfo=UTC)


def closed_in_window(seed: int, mean_hours: dict[str, float], per_day: int) -> list[IncidentRow]:
    """What a "closed between two dates" extract holds: incidents opened from 120 days before
    the window to its end, kept only when resolved inside the window."""
    rng = random.Random(seed)
    rows = []
    day = WINDOW_START - timedelta(days=120)
    while day < WINDOW_END:
        for group, mean in mean_hours.items():
            for _ in range(per_day):
                opened = day + timedelta(hours=rng.uniform(0, 24))
                hours = rng.expovariate(1 / mean)
                if WINDOW_START < opened + timedelta(hours=hours) <= WINDOW_END:
                    rows.append(row(opened, hours, group))
        day += timedelta(days=1)
    return rows


def test_a_cut_extract_is_judged_on_its_complete_days_with_late_entries() -> None:
    rows = closed_in_window(7, {"Slow": 240.0, "Usual": 24.0, "Other": 24.0}, 6)
    start, end = min(r.opened_at for r in rows), max(r.opened_at for r in rows)
    found = detect(rows, start=start - timedelta(seconds=1), end=end, group_by=("category",))
    # The data is complete from about the window's start (the ramp before it is the cut).
    assert WINDOW_START - timedelta(days=7) <= found.start <= WINDOW_START + timedelta(days=7)
    assert found.completeness.startswith("data complete from ")
    assert found.early and all(r.opened_at < found.start for r in found.early)
    (slow,) = [f for f in found.findings if f.kind == "long_resolution"]
    assert slow.group == "Slow" and slow.evidence["entered_late"] > 0
    # Its median, from the Kaplan–Meier estimate with late entries, against lifelines and the
    # truth (an exponential's median is its mean × ln 2); the median of what was closed is not.
    mine = [r for r in rows if r.category == "Slow" and r.opened_at.date() <= found.end.date()]
    entered = [
        Spell(r.hours or 0, True, max(0.0, (found.start - r.opened_at).total_seconds() / 3600))
        for r in mine
    ]
    assert slow.evidence["median_hours"] == pytest.approx(
        lifelines_km(entered).median_survival_time_, abs=0.05
    )
    assert slow.evidence["median_hours"] == pytest.approx(240 * math.log(2), rel=0.15)
    assert slow.objective["metric"] == "mttr_median_hours"
    assert slow.objective["baseline"] == slow.evidence["median_hours"]


def test_open_incidents_count_as_lasting_until_the_data_ends() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for day in range(60):
        opened = start + timedelta(days=day, hours=9)
        rows += [row(opened + timedelta(minutes=m), 4, "Usual") for m in range(6)]
        # Stuck: most of its incidents never resolve while the data runs.
        rows += [row(opened, 2, "Stuck")] + [
            row(opened + timedelta(minutes=m), None, "Stuck", resolved=False) for m in range(1, 4)
        ]
    found = detect(rows, start=start, end=start + timedelta(days=60), group_by=("category",))
    stuck = [f for f in found.findings if f.group == "Stuck" and f.kind == "long_resolution"]
    # With the open ones censored, more than half of Stuck never resolved: no median to state,
    # so no figure is made up; the resolved ones alone (2 h) would have looked fast.
    assert stuck == []
    assert found.seen_until == max(r.resolved_at or r.opened_at for r in rows)


def test_a_rise_is_not_judged_while_the_rest_of_the_organisation_changes_more() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for day in range(84):
        grows = day >= 63  # the recent quarter
        for group, before, after in (("Net", 2, 170), ("Disk", 2, 96), ("Mail", 2, 96)):
            rows += [
                row(start + timedelta(days=day, minutes=10 * k), 1, group)
                for k in range(after if grows else before)
            ]
    found = detect(rows, start=start, end=start + timedelta(days=84), group_by=("category",))
    assert [f for f in found.findings if f.kind == "rising_share"] == []
    assert any(
        line.startswith("rising_share by category: 1 group(s) rose in share while the rest")
        for line in found.skipped
    )


def test_the_same_incidents_under_several_groupings_are_one_finding() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for day in range(84):
        at = start + timedelta(days=day, hours=8)
        rows += [row(at + timedelta(minutes=k), 4, "Usual") for k in range(5)]
        rows += [row(at + timedelta(minutes=30), 60, "vpn")]
    found = detect(rows, start=start, end=start + timedelta(days=84))
    slow = [f for f in found.findings if f.kind == "long_resolution"]
    assert len(slow) == 1
    named = {("category", "vpn"), ("service", "svc-vpn"), ("assignment_group", "team-vpn")}
    others = named - {(slow[0].group_by, slow[0].group)}
    also = {(a["group_by"], a["group"]) for a in slow[0].evidence["same_incidents_as"]}
    assert len(others) == 2 and also == others
    assert "(the same incidents as " in slow[0].title


def test_the_steady_floor_is_the_lower_of_a_share_and_chance() -> None:
    first = date(2026, 1, 1)

    def days(*runs: tuple[int, int]) -> list[date]:
        out, day = [], 0
        for length, per_day in runs:
            for _ in range(length):
                out += [first + timedelta(days=day)] * per_day
                day += 1
        return out

    # A typical week of 49: the floor is 49 - 3 × 7 = 28, below 80 % (39.2); a week of exactly
    # 28 at either edge is steady.
    edges = complete_days(days((7, 4), (80, 7), (7, 4)))
    assert edges is not None and edges.whole and edges.judged is True
    # A typical week of 70: the floor is 70 - 3 × √70 ≈ 44.9; a last week of 42 is not steady.
    ragged = complete_days(days((7, 7), (86, 10), (7, 6)))
    assert ragged is not None and ragged.first == first
    assert ragged.last == first + timedelta(days=98)
    short = complete_days([first])
    assert short is not None and short.judged is False


def test_the_median_is_where_the_estimate_reaches_one_half() -> None:
    assert median_hours([Spell(h, True) for h in (1, 2, 3, 4)]) == 2


def test_the_log_rank_test_on_a_handful_equals_the_textbook() -> None:
    group, rest = [Spell(1, True), Spell(3, True)], [Spell(2, True), Spell(4, True)]
    expected = independent_logrank(group, rest)
    assert LogRank(group + rest).longer_p_value(group) == pytest.approx(expected, rel=1e-12)
