"""When a lifecycle run is stranded, and what brings it back (issue 24 #6): pure, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.stages.stranding import (
    LIVE,
    Bounds,
    Remedy,
    RunSeen,
    Waiting,
    judge,
    lost_answer,
    may_restart,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BOUNDS = Bounds(
    pending=timedelta(minutes=10), running=timedelta(hours=6), claim=timedelta(minutes=2)
)
AT_GATE = Waiting(
    "awaiting_approval", "plan-approval-1", "Omar Haddad", NOW - timedelta(seconds=30)
)


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def verdict(run: RunSeen, register: Waiting = AT_GATE) -> Remedy:
    return judge(run, register, now=NOW, bounds=BOUNDS).remedy


@pytest.mark.parametrize("final", ["CRASHED", "FAILED", "CANCELLED", "COMPLETED", "MISSING"])
def test_a_run_that_ended_while_the_register_waits_at_a_gate_is_restarted(final: str) -> None:
    seen = judge(RunSeen(final, final.title(), ago(hours=1)), AT_GATE, now=NOW, bounds=BOUNDS)
    assert seen.remedy is Remedy.restart
    assert seen.why == "ended while the register waits at plan-approval-1"


def test_a_run_that_ended_between_two_gates_is_restarted() -> None:
    between = Waiting("executing")  # approved and recorded; the next gate never opened
    seen = judge(RunSeen("CRASHED", "Crashed"), between, now=NOW, bounds=BOUNDS)
    assert (seen.remedy, seen.why) == (Remedy.restart, "ended while the register is executing")


def test_a_run_that_ended_before_its_first_gate_is_left_to_improve_start() -> None:
    for status in ("identified", "defined", "planned"):
        assert verdict(RunSeen("FAILED", "Failed"), Waiting(status)) is Remedy.none


def test_waiting_at_resubmission_is_past_the_start_although_the_status_is_defined() -> None:
    resubmitting = Waiting("defined", "resubmitted-1")
    assert verdict(RunSeen("CRASHED", "Crashed"), resubmitting) is Remedy.restart


@pytest.mark.parametrize("status", ["closed", "rejected", "withdrawn"])
def test_an_ended_improvement_is_never_reconciled(status: str) -> None:
    assert verdict(RunSeen("CRASHED", "Crashed"), Waiting(status)) is Remedy.none
    assert verdict(RunSeen("PENDING", "Submitting", ago(days=3)), Waiting(status)) is Remedy.none


def test_pending_past_the_bound_is_stranded_and_within_it_is_not() -> None:
    assert verdict(RunSeen("PENDING", "Submitting", ago(minutes=9))) is Remedy.none
    stuck = judge(
        RunSeen("PENDING", "Submitting", ago(minutes=11)), AT_GATE, now=NOW, bounds=BOUNDS
    )
    assert (stuck.remedy, stuck.why) == (
        Remedy.restart,
        "was never started by a process for 11 min",
    )


def test_a_first_run_that_never_started_is_stranded_too() -> None:
    assert (
        verdict(RunSeen("PENDING", "Pending", ago(hours=3)), Waiting("identified"))
        is Remedy.restart
    )


def test_running_past_its_own_bound_is_stranded() -> None:
    assert verdict(RunSeen("RUNNING", "Running", ago(hours=5))) is Remedy.none
    stuck = judge(RunSeen("RUNNING", "Running", ago(hours=7)), AT_GATE, now=NOW, bounds=BOUNDS)
    assert (stuck.remedy, stuck.why) == (Remedy.restart, "has not been heard of for 7.0 h")


def test_scheduled_waits_for_a_process_however_long() -> None:
    """A resumed run no process has picked up yet runs when `improve serve` is back."""
    assert verdict(RunSeen("SCHEDULED", "Resuming", ago(days=2))) is Remedy.none


def test_a_state_without_a_time_is_never_taken_for_stuck() -> None:
    assert verdict(RunSeen("PENDING", "Pending", None)) is Remedy.none


def test_a_waiting_run_with_an_expired_claim_has_lost_an_answer() -> None:
    old_claim = Waiting("awaiting_approval", "plan-approval-1", "Omar Haddad", ago(minutes=5))
    seen = judge(RunSeen("PAUSED", "Suspended", ago(hours=2)), old_claim, now=NOW, bounds=BOUNDS)
    assert (seen.remedy, seen.why) == (Remedy.release_claim, "never received Omar Haddad's answer")
    assert verdict(RunSeen("PAUSED", "Suspended", ago(hours=2))) is Remedy.none  # fresh claim
    unclaimed = Waiting("awaiting_approval", "plan-approval-1")
    assert judge(RunSeen("PAUSED", "Suspended"), unclaimed, now=NOW, bounds=BOUNDS) == LIVE


def test_the_watchdog_restarts_a_few_times_a_day_and_a_person_always() -> None:
    assert may_restart(2, limit=3, asked=False)
    assert not may_restart(3, limit=3, asked=False)
    assert may_restart(30, limit=3, asked=True)
    assert not may_restart(0, limit=0, asked=False)


def test_the_trail_names_the_answer_that_was_lost() -> None:
    assert lost_answer(AT_GATE) == (
        "Omar Haddad's answer to plan-approval-1 was never recorded; decide again"
    )
    assert lost_answer(Waiting("awaiting_approval", "plan-approval-1")) == ""
    assert lost_answer(Waiting("executing")) == ""


def test_a_bound_of_zero_holds_from_the_second_the_state_began() -> None:
    """The register keeps time to the second: a state that began within the current second
    has lasted 0 s, never less."""
    zero = Bounds(pending=timedelta(0), running=timedelta(0), claim=timedelta(minutes=2))
    just = RunSeen("RUNNING", "Running", NOW + timedelta(microseconds=400_000))
    assert judge(just, AT_GATE, now=NOW, bounds=zero).remedy is Remedy.restart
