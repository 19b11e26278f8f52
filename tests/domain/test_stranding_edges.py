"""Stranding at its edges: a bound reached to the second, a claim at its expiry, a claim on a run
that does not wait, times without a zone, the spans in the words, and the states taken as final.
Expected values are worked out here by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ci_workflow.domain.stages.stranding import (
    FINAL,
    NOT_STARTED,
    Bounds,
    Remedy,
    RunSeen,
    Verdict,
    Waiting,
    judge,
    lost_answer,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BOUNDS = Bounds(
    pending=timedelta(minutes=10), running=timedelta(hours=6), claim=timedelta(minutes=2)
)
AT_GATE = Waiting("awaiting_approval", "plan-approval-1")


def seen(run: RunSeen, register: Waiting = AT_GATE) -> Verdict:
    return judge(run, register, now=NOW, bounds=BOUNDS)


def test_the_states_taken_for_final_and_not_started() -> None:
    assert frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "MISSING"}) == FINAL
    assert {str(s) for s in NOT_STARTED} == {"identified", "defined", "planned"}
    for state in ("PENDING", "RUNNING", "PAUSED", "SCHEDULED", "CANCELLING", "completed"):
        assert not RunSeen(state, state.title()).is_final


def test_pending_for_exactly_its_bound_is_stranded() -> None:
    assert seen(RunSeen("PENDING", "Pending", NOW - timedelta(minutes=10))) == Verdict(
        Remedy.restart, "was never started by a process for 10 min"
    )
    almost = RunSeen("PENDING", "Pending", NOW - timedelta(minutes=9, seconds=59))
    assert seen(almost).remedy is Remedy.none


def test_running_for_exactly_its_bound_is_stranded() -> None:
    assert seen(RunSeen("RUNNING", "Running", NOW - timedelta(hours=6))) == Verdict(
        Remedy.restart, "has not been heard of for 6.0 h"
    )
    almost = RunSeen("RUNNING", "Running", NOW - timedelta(hours=5, minutes=59, seconds=59))
    assert seen(almost).remedy is Remedy.none


def test_each_bound_holds_for_its_own_state_only() -> None:
    # Running 11 minutes is past the pending bound, not the running one.
    assert seen(RunSeen("RUNNING", "Running", NOW - timedelta(minutes=11))).remedy is Remedy.none
    # Pending 7 hours is past both, and told as never started.
    assert seen(RunSeen("PENDING", "Pending", NOW - timedelta(hours=7))) == Verdict(
        Remedy.restart, "was never started by a process for 7.0 h"
    )
    assert seen(RunSeen("RUNNING", "Running", None)).remedy is Remedy.none
    assert seen(RunSeen("SCHEDULED", "Late", NOW - timedelta(days=9))).remedy is Remedy.none


def test_the_span_is_minutes_below_two_hours_then_hours() -> None:
    def why(age: timedelta) -> str:
        return seen(RunSeen("PENDING", "Pending", NOW - age)).why

    assert why(timedelta(minutes=119)) == "was never started by a process for 119 min"
    assert why(timedelta(minutes=119, seconds=59)) == "was never started by a process for 120 min"
    assert why(timedelta(minutes=120)) == "was never started by a process for 2.0 h"
    assert why(timedelta(minutes=150)) == "was never started by a process for 2.5 h"
    assert why(timedelta(days=2, hours=3)) == "was never started by a process for 51.0 h"


def test_a_time_without_a_zone_is_utc_and_one_with_another_zone_is_converted() -> None:
    naive = RunSeen("RUNNING", "Running", datetime(2025, 3, 1, 5, 0))  # 7 h before NOW
    assert seen(naive).why == "has not been heard of for 7.0 h"
    paris = timezone(timedelta(hours=1))
    local = RunSeen("RUNNING", "Running", datetime(2025, 3, 1, 7, 0, tzinfo=paris))  # 06:00 UTC
    assert seen(local).why == "has not been heard of for 6.0 h"


def test_the_state_s_start_is_taken_to_the_second() -> None:
    """Within the second the bound is reached, the state counts as having lasted the bound."""
    begun = NOW - timedelta(minutes=10) + timedelta(microseconds=999_999)
    assert seen(RunSeen("PENDING", "Pending", begun)) == Verdict(
        Remedy.restart, "was never started by a process for 10 min"
    )


def test_a_claim_is_given_back_only_after_its_expiry() -> None:
    def claimed(age: timedelta) -> Waiting:
        return Waiting("awaiting_approval", "plan-approval-1", "Ana", NOW - age)

    paused = RunSeen("PAUSED", "Suspended", NOW - timedelta(hours=1))
    assert seen(paused, claimed(timedelta(minutes=2))).remedy is Remedy.none
    assert seen(paused, claimed(timedelta(minutes=2, seconds=1))) == Verdict(
        Remedy.release_claim, "never received Ana's answer"
    )
    naive = Waiting("awaiting_approval", "plan-approval-1", "Ana", datetime(2025, 3, 1, 11, 0))
    assert seen(paused, naive).remedy is Remedy.release_claim


def test_an_old_claim_on_a_run_that_does_not_wait_is_not_given_back() -> None:
    old = Waiting("awaiting_approval", "plan-approval-1", "Ana", NOW - timedelta(hours=1))
    for run in (
        RunSeen("RUNNING", "Running", NOW - timedelta(minutes=1)),
        RunSeen("PENDING", "Pending", NOW - timedelta(minutes=1)),
        RunSeen("SCHEDULED", "Scheduled", NOW - timedelta(minutes=1)),
    ):
        assert seen(run, old).remedy is Remedy.none


def test_a_run_that_ended_is_restarted_whatever_its_claim() -> None:
    old = Waiting("awaiting_approval", "plan-approval-1", "Ana", NOW - timedelta(hours=1))
    assert seen(RunSeen("FAILED", "Failed"), old) == Verdict(
        Remedy.restart, "ended while the register waits at plan-approval-1"
    )


@pytest.mark.parametrize(
    ("register", "words"),
    [
        (
            Waiting("awaiting_approval", "plan-approval-1", "Ana"),  # the claim's time: no matter
            "Ana's answer to plan-approval-1 was never recorded; decide again",
        ),
        (Waiting("executing", None, "Ana"), ""),  # claimed, but no gate
        (Waiting("awaiting_approval", "plan-approval-1", None), ""),
        (
            Waiting("in_review", "review-signoff-2", "Ana"),
            "Ana's answer to review-signoff-2 was never recorded; decide again",
        ),
    ],
)
def test_the_lost_answer_needs_both_who_claimed_and_the_gate(register: Waiting, words: str) -> None:
    assert lost_answer(register) == words
