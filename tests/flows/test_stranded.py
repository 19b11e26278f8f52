"""A lifecycle run stranded by a real ``kill -9`` of `improve serve` right after a decision, and
brought back by the reconciler (issue 24 #6), against a real Prefect server and `improve serve`.

The register is held locked while the decision reaches the run, so the flow process is certain
to be between "Prefect took the answer" and "the register recorded it" when it is killed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ci_workflow.domain.stages.gates import Gate
from ci_workflow.orchestration import read_state
from ci_workflow.orchestration.runs import PrefectRuns
from ci_workflow.services.lifecycle.decide import send_decision
from ci_workflow.services.register.browse import show_improvement
from ci_workflow.settings import get_settings
from tests import processes
from tests.flows.conftest import Served
from tests.flows.test_lifecycle import actions, decisions, register, status, wait_for
from tests.helpers import Cli

pytestmark = pytest.mark.slow


class HeldRegister:
    """The register's write lock, held by the test from just before the answer is sent."""

    def __init__(self, home: Path) -> None:
        self.db = home / "improve.db"
        self.connection: sqlite3.Connection | None = None

    def hold(self) -> None:
        self.connection = sqlite3.connect(self.db, isolation_level=None, timeout=30)
        self.connection.execute("BEGIN IMMEDIATE")

    def let_go(self) -> None:
        if self.connection is not None:
            self.connection.execute("ROLLBACK")
            self.connection.close()
            self.connection = None


@contextmanager
def held(home: Path) -> Iterator[HeldRegister]:
    lock = HeldRegister(home)
    try:
        yield lock
    finally:
        lock.let_go()


def test_a_serve_killed_after_a_decision_strands_the_run_until_it_is_reconciled(
    cli: Cli, lifecycle: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.services.people.directory import person_view_of

    ref = register(cli, tmp_path, "stranded-by-kill")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    cli.ok("approve", ref, "--as", "Omar Haddad")
    old_run = wait_for(cli, ref, gate="execution-complete-1")["flow_run_id"]
    assert old_run is not None
    shown = show_improvement(ref).id

    with held(lifecycle.home) as lock:

        class AnswerWhileHeld(PrefectRuns):
            def resume(self, flow_run_id: str, key: str, run_input: dict[str, Any]) -> None:
                lock.hold()  # the gate is claimed; the flow cannot record the answer now
                super().resume(flow_run_id, key, run_input)

        actor = operating_system("tester", person_view_of("Lena Fischer"))
        send_decision(
            ref,
            Gate.execution_complete,
            "complete",
            actor=actor,
            runs=AnswerWhileHeld(),
            confirm=True,
        )
        # Prefect took the answer and a flow process runs it (or gave up on the lock).
        processes.until(
            lambda: read_state(old_run).type in ("RUNNING", "FAILED", "CRASHED") or None,
            what="the resumed run to start",
        )
        lifecycle.kill()  # kill -9 of serve's process group, the flow process with it
    lifecycle.start()

    # Stranded: listed as waiting, the decision neither recorded nor decidable, no restart.
    assert [g["key"] for g in cli.json("gates", ref)] == ["execution-complete-1"]
    assert decisions(ref) == [("plan_approval", 1, "approve", "Omar Haddad")]
    stranded = read_state(old_run)
    assert stranded.type in ("RUNNING", "FAILED", "CRASHED"), stranded
    (again,) = cli.fails("complete", ref, "--as", "Lena Fischer", "--confirm")
    # The claim of the answer that was lost still holds the gate.
    assert again.startswith("error: ") and f"{shown}'s execution-complete-1" in again
    assert "another decision reached" in again or "already decided" in again
    (restart,) = cli.fails("start", ref)
    assert "only an improvement not yet submitted can start" in restart

    # A run not seen ending (Running, as serve died) counts as stranded at once here.
    monkeypatch.setenv("IMPROVE_RUN_STUCK_MINUTES", "0")
    monkeypatch.setenv("IMPROVE_RUN_RUNNING_HOURS", "0")
    get_settings.cache_clear()
    out = cli.ok("reconcile", ref).stdout
    assert f"{shown}: flow run {old_run}" in out and "restarted as flow run" in out
    seen = wait_for(cli, ref, gate="execution-complete-1")
    assert seen["flow_run_id"] not in (None, old_run)
    assert read_state(old_run).is_final
    (said,) = actions(ref, "run_restarted")
    assert said.startswith(f"flow run {old_run} was {stranded.name}")
    assert "Lena Fischer's answer to execution-complete-1 was never recorded" in said
    assert f"restarted as flow run {seen['flow_run_id']}" in said

    # The new run replayed past the gate already decided and waits where the register does.
    cli.ok("complete", ref, "--as", "Lena Fischer", "--confirm")
    wait_for(cli, ref, gate="review-signoff-1")
    assert decisions(ref) == [
        ("plan_approval", 1, "approve", "Omar Haddad"),
        ("execution_complete", 1, "complete", "Lena Fischer"),
    ]
    assert len(actions(ref, "gate_opened")) == 3  # the reopened gate is not announced twice
    assert status(cli, ref)["status"] == "in_review"
    assert cli.ok("reconcile", ref).stdout.strip().endswith("nothing to reconcile")


def test_a_run_prefect_does_not_know_counts_as_ended(lifecycle: Served) -> None:
    """A reset Prefect database loses every run: the reconciler restarts them from the register
    rather than fail on the first it cannot find."""
    import uuid

    state = read_state(str(uuid.uuid4()))
    assert (state.type, state.is_final) == ("MISSING", True)
