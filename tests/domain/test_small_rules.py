"""The small rules: SMART readiness, priority and WSJF, measurement windows, improvement ids,
UTC moments, checkpoint schedules, change warnings and who acts."""

import time
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from ci_workflow.domain.authority.actors import UNVERIFIED, Actor, operating_system, signed_in
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.clock import as_moment, as_utc, utcnow
from ci_workflow.domain.ids import format_id, looks_like_id, parse_id
from ci_workflow.domain.improvement.priority import priority, value, wsjf
from ci_workflow.domain.improvement.smart import beyond, readiness_problems
from ci_workflow.domain.measures.window import Window, checked_window, parse_window
from ci_workflow.domain.records.change_records import change_warning
from ci_workflow.domain.stages.schedule import next_fires
from ci_workflow.errors import UsageError

# --- smart ---


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "expected"),
    [
        (10.0, 11.0, "increase", True),
        (10.0, 10.0, "increase", False),
        (10.0, 9.0, "increase", False),
        (10.0, 9.0, "decrease", True),
        (10.0, 10.0, "decrease", False),
        (10.0, 11.0, "decrease", False),
    ],
)
def test_a_target_is_beyond_its_baseline_only_strictly_in_its_direction(
    baseline: float, target: float, direction: str, expected: bool
) -> None:
    assert beyond(baseline, target, direction) is expected


def objective(
    metric: str = "mttr",
    baseline: float | None = 10.0,
    target: float = 5.0,
    direction: str = "decrease",
    kind: str = "sql",
) -> SimpleNamespace:
    return SimpleNamespace(
        metric=metric, baseline=baseline, target=target, direction=direction, source={"kind": kind}
    )


def test_a_ready_improvement_has_no_problems() -> None:
    assert (
        readiness_problems(
            shown_id="IMP-0003", vision="Faster", objectives=[objective()], plan_actions=1
        )
        == []
    )


def test_an_empty_improvement_is_told_everything_it_lacks() -> None:
    assert readiness_problems(shown_id="IMP-0003", vision="  ", objectives=[], plan_actions=0) == [
        "it has no objectives (SMART targets)",
        "it has no vision",
        "it has no plan actions",
    ]


def test_a_manual_objective_without_baseline_is_told_how_to_record_one() -> None:
    problems = readiness_problems(
        shown_id="IMP-0003",
        vision="v",
        objectives=[objective(baseline=None, kind="manual"), objective("csat", baseline=None)],
        plan_actions=2,
    )
    # the fetched one (sql) measures its baseline itself: no problem
    assert problems == [
        "objective 'mttr' has a manual source and no baseline yet: record it with "
        "`improve record IMP-0003 mttr VALUE --baseline --as NAME`"
    ]


@pytest.mark.parametrize(("baseline", "target"), [(4.0, 5.0), (5.0, 5.0)])
def test_a_baseline_that_already_meets_the_target_is_a_problem(
    baseline: float, target: float
) -> None:
    problems = readiness_problems(
        shown_id="IMP-0001",
        vision="v",
        objectives=[objective(baseline=baseline, target=target, kind="manual")],
        plan_actions=1,
    )
    assert problems == [
        f"objective 'mttr': the measured baseline {baseline:g} already meets the target {target:g}"
    ]


def test_an_increase_baseline_below_target_is_no_problem() -> None:
    assert (
        readiness_problems(
            shown_id="IMP-0001",
            vision="v",
            objectives=[objective(baseline=70.0, target=90.0, direction="increase")],
            plan_actions=1,
        )
        == []
    )


# --- priority ---


def test_priority_is_impact_times_feasibility() -> None:
    assert priority(4, 3) == 12
    assert priority(1, 5) == 5


@pytest.mark.parametrize(
    ("gain", "cost", "expected"),
    [(45000.0, 12000.0, 33000.0), (None, 1.0, None), (1.0, None, None), (None, None, None)],
)
def test_value_is_gain_minus_cost_unknown_while_either_is_missing(
    gain: float | None, cost: float | None, expected: float | None
) -> None:
    assert value(gain, cost) == expected


def test_wsjf_is_the_cost_of_delay_over_effort_to_two_places() -> None:
    assert wsjf(8, 5, 3, 13) == 1.23  # 16 / 13 = 1.2307...
    assert wsjf(20, 13, 1, 2) == 17.0
    assert wsjf(1, 1, 1, 3) == 1.0


@pytest.mark.parametrize(
    "scores",
    [(None, 5, 3, 2), (8, None, 3, 2), (8, 5, None, 2), (8, 5, 3, None), (8, 5, 3, 0)],
)
def test_wsjf_is_unknown_until_all_four_are_scored(scores: tuple[int | None, ...]) -> None:
    assert wsjf(*scores) is None


# --- window ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("4w", timedelta(weeks=4)),
        ("10d", timedelta(days=10)),
    ],
)
def test_a_window_reads_a_count_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize("text", ["0d", "7", "d", "7x", "07d", "7d ", " 7d", "7dd", "-1d", "1.5d"])
def test_anything_else_is_not_a_window(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_window(text)
    assert str(caught.value) == f"not a window: {text!r} (e.g. 7d, 12h, 4w)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("156w", None),
        ("1098d", None),
        ("157w", "a window is at most three years (156w)"),
        ("1000000h", "a window is at most three years (156w)"),  # 8 characters: read
        ("9999999w", "a window is at most three years (156w)"),
        ("10000000h", "expected a count and a unit h, d or w, e.g. 7d"),  # 9: refused unread
        ("99999999w", "expected a count and a unit h, d or w, e.g. 7d"),
        ("7 d", "expected a count and a unit h, d or w, e.g. 7d"),
    ],
)
def test_a_files_window_is_at_most_three_years_and_eight_characters(
    text: str, message: str | None
) -> None:
    """Up to three years (3 × 366 days) is a window; a longer count of 8 characters is told
    the limit, and one longer still is refused as no window before its number is read."""
    if message is None:
        assert checked_window(text) == text
        return
    with pytest.raises(ValueError) as caught:
        checked_window(text)
    assert str(caught.value) == message


def test_a_window_ends_at_its_checkpoint_in_utc() -> None:
    as_of = datetime(2026, 3, 10, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    window = Window.ending(as_of, "2d")
    assert window.end == datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    assert window.end.utcoffset() == timedelta(0)
    assert window.start == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
    assert window.as_of == window.end


def test_a_window_is_bound_into_queries_as_naive_utc() -> None:
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 8, 12, tzinfo=UTC))
    assert window.parameters() == {
        "window_start": datetime(2026, 1, 1),
        "window_end": datetime(2026, 1, 8, 12),
        "as_of": datetime(2026, 1, 8, 12),
    }
    assert all(v.tzinfo is None for v in window.parameters().values())


# --- ids ---


def test_ids_are_shown_with_four_digits_or_more() -> None:
    assert format_id(1) == "IMP-0001"
    assert format_id(12345) == "IMP-12345"


@pytest.mark.parametrize(
    ("text", "number"), [("IMP-0042", 42), ("imp-42", 42), ("Imp42", 42), ("0042", 42), ("9", 9)]
)
def test_ids_are_read_in_any_case_with_or_without_prefix(text: str, number: int) -> None:
    assert parse_id(text) == number
    assert looks_like_id(text) is True


@pytest.mark.parametrize("text", ["IMP-0", "0", "000", "IMP--1", "IM-1", "x1", "1x", ""])
def test_a_malformed_id_says_what_was_expected(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_id(text)
    assert str(caught.value) == f"not an improvement id: {text!r} (expected e.g. IMP-0001)"


@pytest.mark.parametrize(("text", "looks"), [(" IMP-3 ", True), ("IMP-x", False), ("", False)])
def test_what_looks_like_an_id(text: str, looks: bool) -> None:
    assert looks_like_id(text) is looks


# --- clock ---


def test_now_is_aware_utc_to_the_second() -> None:
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert now.microsecond == 0
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_naive_moment_is_taken_as_utc_an_aware_one_converted() -> None:
    naive = datetime(2026, 5, 1, 12, 30)
    assert as_utc(naive) == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    assert as_utc(naive).tzinfo is UTC
    aware = datetime(2026, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert as_utc(aware) == aware
    assert as_utc(aware).hour == 16 and as_utc(aware).tzinfo is UTC


def test_a_naive_moment_is_utc_whatever_the_machine_s_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert as_utc(datetime(2026, 5, 1, 12, 30)) == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_date_is_its_midnight_utc_a_date_time_stays_itself() -> None:
    assert as_moment(date(2026, 2, 3)) == datetime(2026, 2, 3, 0, 0, tzinfo=UTC)
    assert as_moment(date(2026, 2, 3)).tzinfo is UTC
    moment = datetime(2026, 2, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    assert as_moment(moment).hour == 8 and as_moment(moment).tzinfo is UTC
    assert as_moment(datetime(2026, 2, 3, 9, 15)) == datetime(2026, 2, 3, 9, 15, tzinfo=UTC)


# --- schedule ---


def test_the_next_checkpoints_follow_the_cron_in_utc() -> None:
    # Monday 06:00 UTC; 2026-03-02 is a Monday. From 07:00 on a Monday, +01:00 = 06:00 UTC.
    after = datetime(2026, 3, 2, 7, 0, tzinfo=timezone(timedelta(hours=1)))
    assert next_fires("0 6 * * 1", after, 3) == (
        datetime(2026, 3, 9, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 16, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 23, 6, 0, tzinfo=UTC),
    )
    assert next_fires("0 6 * * 1", datetime(2026, 3, 2, 5, 0), 1) == (
        datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
    )
    assert next_fires("0 6 * * 1", after, 0) == ()


# --- change records ---


@pytest.mark.parametrize(
    ("state", "outcome", "close_code", "expected"),
    [
        ("Closed", "closed", "successful", None),
        ("Review", None, None, "CHG1 was not found among the imported changes"),
        ("Closed", "failed", "unsuccessful", "CHG1 failed (unsuccessful)"),
        ("Canceled", "failed", None, "CHG1 failed (Canceled)"),
        (None, "failed", None, "CHG1 failed (no close code)"),
        ("Implement", "open", None, "CHG1 is Implement (not closed)"),
        (None, "open", None, "CHG1 is in no state (not closed)"),
    ],
)
def test_a_change_warns_the_gate_unless_it_closed_as_it_should(
    state: str | None, outcome: str | None, close_code: str | None, expected: str | None
) -> None:
    assert change_warning("CHG1", state, outcome, close_code) == expected


# --- actors ---

ALICE = PersonView(7, "Alice Example", "alice@example.org")


def test_an_actor_is_named_by_the_person_or_else_the_principal() -> None:
    assert Actor("api", "alice@example.org", ALICE).name == "Alice Example"
    assert Actor("cli", "os:root").name == "os:root"


def test_only_the_unverified_principal_is_unverified() -> None:
    assert Actor("prefect-ui", UNVERIFIED).verified is False
    assert UNVERIFIED == "unverified"
    assert Actor("prefect-ui", "unverified", ALICE).verified is False
    assert Actor("web", "alice@example.org", ALICE).verified is True


def test_the_command_line_acts_as_the_operating_system_user() -> None:
    assert operating_system("alice") == Actor("cli", "os:alice", None)
    assert operating_system("alice", ALICE) == Actor("cli", "os:alice", ALICE)


def test_a_signed_in_person_acts_by_their_email_on_the_web_by_default() -> None:
    assert signed_in(ALICE) == Actor("web", "alice@example.org", ALICE)
    assert signed_in(ALICE, "api") == Actor("api", "alice@example.org", ALICE)
