"""Stranded lifecycle runs brought back (issue 24 #6), with a fake ``Runs`` (the port is ours):
a serve killed after a decision (the run Pending "Submitting"), a Prefect server killed after an
approval (Crashed), a serve on the wrong register (Failed), a command that died holding a claim;
and the new run replaying the register (define, gates already decided, the gate taken over)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.domain.stages.stranding import RunSeen as State  # the run as the port shows it
from ci_workflow.errors import GateError
from ci_workflow.services.lifecycle.decide import prepare_decision, send_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate, recorded_outcome
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.reconcile import reconcile
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.start import start_round
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from tests.helpers import Cli, improvement_doc, write_yaml

OMAR = operating_system("omar")


class FakeRuns:
    """The orchestrator as the use cases see it: runs and their states, and what was asked."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.resumed: list[tuple[str, str, dict[str, Any]]] = []

    def start(self, improvement_id: int, shown_id: str, title: str) -> str:
        run = f"run-{len(self.started) + 2}"  # run-1 is the one the fixture's flow ran as
        self.started.append(run)
        self.states[run] = State("SCHEDULED", "Scheduled", utcnow())
        return run

    def state(self, flow_run_id: str) -> State:
        return self.states[flow_run_id]

    def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
        if self.states[flow_run_id].type != "PAUSED":
            raise GateError(f"the flow run is not waiting for a decision ({flow_run_id})")
        self.resumed.append((flow_run_id, key, run_input))
        self.states[flow_run_id] = State("SCHEDULED", "Resuming", utcnow())

    def cancel(self, flow_run_id: str) -> bool:
        if self.states[flow_run_id].is_final:
            return False
        self.cancelled.append(flow_run_id)
        self.states[flow_run_id] = State("CANCELLED", "Cancelled", utcnow())
        return True

    def now_is(self, flow_run_id: str, type_: str, name: str, **ago: float) -> None:
        self.states[flow_run_id] = State(type_, name, utcnow() - timedelta(**ago))


@pytest.fixture
def runs(cli: Cli, people: None, tmp_path: Path) -> FakeRuns:
    """IMP-0001 waiting at plan approval in run-1; Omar's approval sent and taken by Prefect
    (the gate claimed), and not yet recorded by the flow."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, "run-1")
    open_gate(1, "plan_approval", 1, "run-1")
    fake = FakeRuns()
    fake.now_is("run-1", "PAUSED", "Suspended", minutes=1)
    send_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=OMAR, runs=fake, by="Omar Haddad"
    )
    return fake


def waiting_request() -> tuple[str | None, str | None]:
    with transaction(write=False) as session:
        (request,) = open_requests(session, 1)
        return request.flow_run_id, request.claimed_by


def trail(action: str) -> list[str]:
    return [e.detail for e in audit_trail("IMP-0001")[1] if e.action == action]


def replay_to_the_gate(run: str) -> None:
    """What the new run's flow does before it waits: define, open the gate it reaches."""
    assert define_stage(1, run) == "awaiting_approval"
    open_gate(1, "plan_approval", 1, run)
    assert recorded_outcome(1, "plan_approval", 1) is None  # undecided: the flow waits


def approve_again(runs: FakeRuns, run: str) -> None:
    runs.now_is(run, "PAUSED", "Suspended", seconds=1)
    sent = send_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=OMAR, runs=runs, by="Omar Haddad"
    )
    assert sent.flow_run_id == run and runs.resumed[-1][0] == run
    taken = decide_gate(1, "plan_approval", 1, sent.run_input)  # as the new run's flow does
    assert taken.outcome is Outcome.taken and show_improvement("IMP-0001").status == "approved"


def test_a_serve_killed_after_a_decision_leaves_the_run_submitting_until_reconciled(
    runs: FakeRuns,
) -> None:
    runs.now_is("run-1", "PENDING", "Submitting", minutes=5)
    assert reconcile(runs) == []  # within IMPROVE_RUN_STUCK_MINUTES: a process may start it
    runs.now_is("run-1", "PENDING", "Submitting", minutes=11)
    (done,) = reconcile(runs)
    assert runs.cancelled == ["run-1"] and done.new_run == "run-2"
    assert show_improvement("IMP-0001").flow_run_id == "run-2"
    assert waiting_request() == ("run-2", None)  # the new run takes the gate, the claim is void
    (said,) = trail("run_restarted")
    assert said == (
        "flow run run-1 was Submitting (was never started by a process for 11 min); Omar "
        "Haddad's answer to plan-approval-1 was never recorded; decide again; cancelled it and "
        "restarted as flow run run-2, which replays the recorded decisions and waits at "
        "plan-approval-1 again"
    )
    assert done.line == f"IMP-0001: {said}"
    replay_to_the_gate("run-2")
    assert len(trail("gate_opened")) == 1  # the gate is not announced again
    approve_again(runs, "run-2")


def test_a_prefect_server_killed_after_an_approval_crashes_the_run_and_start_restarts_it(
    runs: FakeRuns,
) -> None:
    runs.now_is("run-1", "CRASHED", "Crashed", seconds=30)
    with pytest.raises(GateError):  # the claim of the lost answer still holds the gate
        send_decision(
            "IMP-0001", Gate.plan_approval, "approve", actor=OMAR, runs=runs, by="Omar Haddad"
        )
    (started,) = start_round(["IMP-0001"], actor=OMAR, runs=runs)
    assert (started.flow_run_id, started.restarted_from) == ("run-2", "run-1")
    assert runs.cancelled == []  # it had ended
    (said,) = trail("run_restarted")
    assert said.startswith("flow run run-1 was Crashed (ended while the register waits at ")
    assert "restarted as flow run run-2" in said and "cancelled" not in said
    assert [e.actor for e in audit_trail("IMP-0001")[1] if e.action == "run_restarted"] == [
        OMAR.name
    ]
    replay_to_the_gate("run-2")
    approve_again(runs, "run-2")


def test_a_serve_on_the_wrong_register_fails_the_run_and_the_watchdog_restarts_it(
    runs: FakeRuns, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow failed (StoreNotReady) before recording the approval; once the serve's
    IMPROVE_DATABASE_URL is fixed the next watchdog brings the gate back; a run that keeps
    failing is restarted a few times a day, then left to a person."""
    monkeypatch.setenv("IMPROVE_RECONCILE_RESTARTS_PER_DAY", "2")
    get_settings.cache_clear()
    runs.now_is("run-1", "FAILED", "Failed", minutes=3)
    for failed, new in (("run-1", "run-2"), ("run-2", "run-3")):
        runs.now_is(failed, "FAILED", "Failed", minutes=3)
        (done,) = reconcile(runs)
        assert done.new_run == new and waiting_request() == (new, None)
    runs.now_is("run-3", "FAILED", "Failed", minutes=3)
    (left,) = reconcile(runs)
    assert left.new_run is None and "not restarted, already 2 times today" in left.line
    assert "`improve reconcile IMP-0001`" in left.line and len(trail("run_restarted")) == 2
    (asked,) = reconcile(runs, ["IMP-0001"])  # a person asking always may
    assert asked.new_run == "run-4" and len(trail("run_restarted")) == 3
    replay_to_the_gate("run-4")
    approve_again(runs, "run-4")


def test_a_command_that_died_holding_the_claim_gives_it_back(runs: FakeRuns) -> None:
    runs.now_is("run-1", "PAUSED", "Suspended", hours=1)  # the answer never reached it
    assert reconcile(runs) == []  # a fresh claim: its command may still be answering
    with transaction() as session:
        (request,) = open_requests(session, 1)
        request.claimed_at = utcnow() - timedelta(minutes=5)
        session.add(request)
    (done,) = reconcile(runs)
    assert done.new_run is None and runs.started == [] and waiting_request() == ("run-1", None)
    assert trail("gate_claim_released") == [
        "flow run run-1 never received Omar Haddad's answer at plan-approval-1: the gate's "
        "claim is given back; decide again"
    ]
    approve_again(runs, "run-1")


def test_live_and_ended_improvements_are_left_alone(runs: FakeRuns) -> None:
    runs.now_is("run-1", "RUNNING", "Running", minutes=30)  # the flow is recording it
    assert reconcile(runs) == []
    runs.now_is("run-1", "SCHEDULED", "Resuming", hours=5)  # serve is down: it runs when back
    assert reconcile(runs) == []
    runs.now_is("run-1", "RUNNING", "Running", hours=7)  # past IMPROVE_RUN_RUNNING_HOURS
    (done,) = reconcile(runs)
    assert "has not been heard of for 7.0 h" in done.line and runs.cancelled == ["run-1"]


def test_a_run_lost_between_two_gates_replays_the_decision_and_opens_the_next(
    runs: FakeRuns,
) -> None:
    answer = runs.resumed[-1][2]
    assert decide_gate(1, "plan_approval", 1, answer).outcome is Outcome.taken
    runs.now_is("run-1", "CRASHED", "Crashed", seconds=5)  # before the next gate opened
    (done,) = reconcile(runs)
    assert done.new_run == "run-2" and "ended while the register is approved" in done.line
    assert define_stage(1, "run-2") == "approved"
    open_gate(1, "plan_approval", 1, "run-2")
    assert recorded_outcome(1, "plan_approval", 1) == "approve"  # replayed, not asked again
    open_gate(1, "execution_complete", 1, "run-2")
    assert show_improvement("IMP-0001").status == "executing"
    assert waiting_request() == ("run-2", None)


def test_a_run_replaying_a_rework_keeps_the_improvement_waiting_for_resubmission(
    runs: FakeRuns,
) -> None:
    rework = prepare_decision(
        "IMP-0001", Gate.plan_approval, "rework", actor=OMAR, by="Omar Haddad", comment="Train"
    )
    assert decide_gate(1, "plan_approval", 1, rework.run_input).decision == "rework"
    open_gate(1, "resubmitted", 1, "run-1")
    assert show_improvement("IMP-0001").status == "defined"
    runs.now_is("run-1", "CRASHED", "Crashed", seconds=5)
    (done,) = reconcile(runs)
    assert done.new_run == "run-2"
    assert define_stage(1, "run-2") == "defined"  # not moved on to planned again
    assert recorded_outcome(1, "plan_approval", 1) == "rework"
    open_gate(1, "resubmitted", 1, "run-2")
    assert waiting_request() == ("run-2", None)
    assert show_improvement("IMP-0001").status == "defined"
