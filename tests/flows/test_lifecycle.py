"""An improvement's whole life as one Prefect flow run, driven through the CLI against a real
Prefect server and a real `improve serve`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ci_workflow.services.register.browse import audit_trail, show_improvement
from tests import processes
from tests.flows.conftest import Served
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml

pytestmark = pytest.mark.slow


def register(cli: Cli, folder: Path, key: str) -> str:
    cli.ok("apply", str(write_yaml(folder, improvement_doc(key=key))))
    return key


def status(cli: Cli, ref: str) -> dict[str, str | None]:
    return json.loads(cli.ok("status", ref, "--json").stdout)  # type: ignore[no-any-return]


def wait_for(
    cli: Cli, ref: str, *, gate: str | None = None, state: str | None = None
) -> dict[str, str | None]:
    """Until the run waits at ``gate`` (e.g. plan-approval-1) or its flow run is in ``state``."""
    seen: dict[str, str | None] = {}

    def reached() -> bool:
        seen.update(status(cli, ref))
        if gate is not None:
            return seen["pending_gate"] == gate and seen["flow_run_state"] == "Suspended"
        return seen["flow_run_state"] == state

    processes.wait_until(reached, timeout=90, what=f"{ref} to reach {gate or state} (last {seen})")
    return seen


def decisions(ref: str) -> list[tuple[str, int, str, str]]:
    return [(d.gate, d.attempt, d.decision, d.by) for d in show_improvement(ref).gate_decisions]


def actions(ref: str, action: str) -> list[str]:
    return [e.detail for e in audit_trail(ref)[1] if e.action == action]


def test_a_whole_lifecycle_through_every_gate(cli: Cli, lifecycle: Served, tmp_path: Path) -> None:
    ref = register(cli, tmp_path, "whole-life")
    out = cli.ok("start", ref, "--as", "Lena Fischer").stdout
    assert out.startswith("IMP-") and "started: flow run" in out
    wait_for(cli, ref, gate="plan-approval-1")
    assert show_improvement(ref).status == "awaiting_approval"
    gates = cli.json("gates")
    mine = [
        g
        for g in gates
        if g["key"] == "plan-approval-1" and g["title"] == show_improvement(ref).title
    ]
    assert mine and mine[0]["deciders"] == ["Carmen Ruiz", "Omar Haddad"]

    cli.ok("approve", ref, "--as", "Omar Haddad", "--comment", "Good plan")
    wait_for(cli, ref, gate="execution-complete-1")
    assert show_improvement(ref).status == "executing"
    cli.ok("complete", ref, "--as", "Priya Nair", "--confirm")
    wait_for(cli, ref, gate="review-signoff-1")
    assert show_improvement(ref).status == "in_review"
    cli.ok("extend", ref, "--as", "Omar Haddad", "--comment", "One more month of data")
    wait_for(cli, ref, gate="execution-complete-2")
    cli.ok("complete", ref, "--as", "Lena Fischer", "--confirm")
    wait_for(cli, ref, gate="review-signoff-2")
    cli.ok(
        "signoff",
        ref,
        "--as",
        "omar@example.org",
        "--lessons",
        "Route by category early",
        "--realised-gain",
        "30000",
        "--actual-cost",
        "9000",
        "--confirm",  # its objective was never measured: a warning stands
    )
    wait_for(cli, ref, state="Completed")

    shown = show_improvement(ref)
    assert shown.status == "closed" and shown.completed_at is not None
    assert (shown.lessons_learned, shown.realised_gain, shown.actual_cost) == (
        "Route by category early",
        30000.0,
        9000.0,
    )
    assert decisions(ref) == [
        ("plan_approval", 1, "approve", "Omar Haddad"),
        ("execution_complete", 1, "complete", "Priya Nair"),
        ("review_signoff", 1, "extend", "Omar Haddad"),
        ("execution_complete", 2, "complete", "Lena Fischer"),
        ("review_signoff", 2, "accept", "Omar Haddad"),
    ]
    moves = [
        (e.from_status, e.to_status) for e in audit_trail(ref)[1] if e.action == "status_changed"
    ]
    assert moves == [
        ("identified", "defined"),
        ("defined", "planned"),
        ("planned", "awaiting_approval"),
        ("awaiting_approval", "approved"),
        ("approved", "executing"),
        ("executing", "in_review"),
        ("in_review", "executing"),
        ("executing", "in_review"),
        ("in_review", "consolidating"),
        ("consolidating", "closed"),
    ]
    prefix = shown.id.lower()
    reports = sorted(p.name for p in (lifecycle.home / "reports").glob(f"{prefix}-*"))
    assert reports == [
        f"{prefix}-{kind}.{ext}"
        for kind in ("final", "interim-1", "interim-2")
        for ext in ("html", "md")
    ]
    final = (lifecycle.home / "reports" / f"{prefix}-final.html").read_text()
    assert "Route by category early" in final and "Interim report" not in final
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        key = ArtifactFilterKey(any_=[f"review-{prefix}"])
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=key))
    assert len(artifacts) == 3  # interim-1, interim-2, final: versions of one keyed artifact
    assert {str(a.data).split("\n")[0] for a in artifacts} == {f"# {shown.id} {shown.title}"}
    assert cli.json("gates", ref) == []


def test_rework_then_approve(cli: Cli, lifecycle: Served, tmp_path: Path) -> None:
    ref = register(cli, tmp_path, "rework-then-approve")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    cli.ok("rework", ref, "--as", "Carmen Ruiz", "--comment", "Add a training action")
    wait_for(cli, ref, gate="resubmitted-1")
    assert show_improvement(ref).status == "defined"
    assert cli.fails("resubmit", ref, "--as", "Priya Nair") == [
        f"error: Priya Nair may not decide resubmitted of {show_improvement(ref).id}: only the "
        "improvement's owner or a CI manager may"
    ]
    cli.ok("resubmit", ref, "--as", "Lena Fischer", "--comment", "Training added")
    wait_for(cli, ref, gate="plan-approval-2")
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")
    assert decisions(ref) == [
        ("plan_approval", 1, "rework", "Carmen Ruiz"),
        ("resubmitted", 1, "resubmit", "Lena Fischer"),
        ("plan_approval", 2, "approve", "Omar Haddad"),
    ]


def test_reject_ends_the_flow(cli: Cli, lifecycle: Served, tmp_path: Path) -> None:
    ref = register(cli, tmp_path, "to-be-rejected")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    assert cli.fails("reject", ref, "--as", "Omar Haddad", "--comment", " ", code=2) == [
        "error: reject needs --comment"
    ]
    cli.ok("reject", ref, "--as", "Omar Haddad", "--comment", "Not this quarter")
    wait_for(cli, ref, state="Completed")
    assert show_improvement(ref).status == "rejected"
    assert cli.fails("approve", ref, "--as", "Omar Haddad") == [
        f"error: {show_improvement(ref).id} is not waiting at any gate (status rejected)"
    ]


def test_an_unauthorised_answer_is_refused_in_the_flow_then_the_right_one_is_taken(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    """The Prefect UI and API bypass the CLI's checks; the flow itself must refuse."""
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    ref = register(cli, tmp_path, "refused-first")
    cli.ok("start", ref)
    run_id = wait_for(cli, ref, gate="plan-approval-1")["flow_run_id"]
    assert run_id is not None
    resume_flow_run(
        UUID(run_id), run_input={"decision": "approve", "by": "Lena Fischer", "comment": ""}
    )
    wait_for(cli, ref, gate="plan-approval-2")
    assert show_improvement(ref).status == "awaiting_approval"
    assert actions(ref, "gate_refused") == [
        "plan-approval-1: Lena Fischer may not decide plan_approval: only a process owner of "
        "'Incident Management' or a CI manager may"
    ]
    assert decisions(ref) == []
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")
    assert decisions(ref) == [("plan_approval", 2, "approve", "Omar Haddad")]


def test_wrong_gates_people_and_runs_get_one_clear_line(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    ref = register(cli, tmp_path, "clear-errors")
    shown = show_improvement(ref).id
    assert cli.fails("approve", ref, "--as", "Omar Haddad") == [
        f"error: {shown} is not waiting at any gate (status identified)"
    ]
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    assert cli.fails("start", ref) == [
        f"error: {shown} is awaiting_approval; only an improvement not yet submitted can start"
    ]
    assert cli.fails("complete", ref, "--as", "Lena Fischer") == [
        f"error: {shown} is waiting at plan_approval, not at execution_complete"
    ]
    assert cli.fails("approve", ref, "--as", "Lena Fischer") == [
        f"error: Lena Fischer may not decide plan_approval of {shown}: only a process owner of "
        "'Incident Management' or a CI manager may"
    ]
    assert cli.fails("approve", ref, "--as", "Zed") == [
        "error: unknown person 'Zed' (see `improve people list`)"
    ]
    assert status(cli, ref)["pending_gate"] == "plan-approval-1"
    assert actions(ref, "gate_refused") == [] and decisions(ref) == []


def test_two_approvals_at_once_record_exactly_one_decision(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    ref = register(cli, tmp_path, "raced")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    env = lifecycle.env
    racers = [
        subprocess.Popen(
            [*processes.improve_command(), "approve", ref, "--as", who],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("Omar Haddad", "Carmen Ruiz")
    ]
    outputs = [p.communicate(timeout=60) for p in racers]
    results = [(p.returncode, out, err) for p, (out, err) in zip(racers, outputs, strict=True)]
    assert sorted(code for code, _, _ in results) == [0, 1], results
    (loser,) = [err for code, _, err in results if code == 1]
    assert loser.startswith("error: ") and len(loser.strip().splitlines()) == 1
    assert "another decision reached" in loser or "not waiting" in loser
    wait_for(cli, ref, gate="execution-complete-1")
    assert len(decisions(ref)) == 1


def test_a_killed_serve_process_loses_nothing_and_repeats_nothing(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    ref = register(cli, tmp_path, "survives-kill")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    lifecycle.kill()  # SIGKILL while the run is suspended: no process holds it
    lifecycle.start()
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")
    cli.ok("complete", ref, "--as", "Lena Fischer", "--confirm")
    wait_for(cli, ref, gate="review-signoff-1")
    lifecycle.kill()
    lifecycle.start()
    cli.ok("signoff", ref, "--as", "Omar Haddad", "--lessons", "Kill -9 is fine", "--confirm")
    wait_for(cli, ref, state="Completed")
    assert show_improvement(ref).status == "closed"
    assert len(decisions(ref)) == 3
    opened = actions(ref, "gate_opened")
    assert len(opened) == 3 and len(set(opened)) == 3
    moves = [e.to_status for e in audit_trail(ref)[1] if e.action == "status_changed"]
    assert len(moves) == len(set(moves)) == 8


def test_withdrawing_a_waiting_improvement_cancels_its_run(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    ref = register(cli, tmp_path, "withdrawn-while-waiting")
    cli.ok("start", ref)
    run_id = wait_for(cli, ref, gate="plan-approval-1")["flow_run_id"]
    out = cli.ok("withdraw", ref, "--as", "Lena Fischer", "--reason", "Superseded").stdout
    assert f"flow run {run_id} cancelled" in out
    assert status(cli, ref) == {
        "id": show_improvement(ref).id,
        "status": "withdrawn",
        "pending_gate": None,
        "flow_run_id": run_id,
        "flow_run_state": "Cancelled",
        "failure": None,
    }
    assert cli.json("gates", ref) == []


def test_an_unreachable_prefect_is_one_clear_line(
    cli: Cli, lifecycle: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.orchestration import configure_prefect

    ref = register(cli, tmp_path, "no-prefect")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    configure_prefect()
    try:
        (line,) = cli.fails("start", ref)
        assert line.startswith("error: cannot reach the Prefect API at http://127.0.0.1:9/api")
        assert show_improvement(ref).flow_run_id is None
    finally:
        monkeypatch.setenv("PREFECT_API_URL", lifecycle.server.api_url)
        configure_prefect()


def test_a_withdrawal_prefect_did_not_hear_is_finished_by_the_watchdog(
    cli: Cli, lifecycle: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.deployments import run_deployment

    from ci_workflow.orchestration import configure_prefect

    ref = register(cli, tmp_path, "withdrawn-offline")
    cli.ok("start", ref)
    run_id = wait_for(cli, ref, gate="plan-approval-1")["flow_run_id"]
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    configure_prefect()
    try:
        out = cli.ok("withdraw", ref, "--as", "Lena Fischer", "--reason", "Superseded")
        assert out.stdout.strip() == f"{show_improvement(ref).id} withdrawn"
        assert out.stderr.startswith(f"warning: its flow run {run_id} is not cancelled yet")
        offline = status(cli, ref)  # the register answers without Prefect
        assert (offline["status"], offline["flow_run_state"]) == (
            "withdrawn",
            "unknown: Prefect is unreachable",
        )
    finally:
        monkeypatch.setenv("PREFECT_API_URL", lifecycle.server.api_url)
        configure_prefect()
    assert actions(ref, "run_cancelled") == []
    watchdog = run_deployment("gate-watchdog/gate-watchdog", timeout=120)
    assert watchdog.state is not None and watchdog.state.is_completed(), watchdog.state  # type: ignore[union-attr]
    assert status(cli, ref)["flow_run_state"] == "Cancelled"
    assert actions(ref, "run_cancelled") == [f"flow run {run_id} cancelled"]
    run_deployment("gate-watchdog/gate-watchdog", timeout=120)  # settled once: not again
    assert len(actions(ref, "run_cancelled")) == 1


def test_a_failed_define_stage_says_why_in_the_trail_and_in_status(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    from tests.metrics.sources import incident_csv

    data = incident_csv(tmp_path)
    source = {
        "kind": "csv",
        "path": str(data),
        "timestamp_column": "opened_at",
        "aggregation": "count",
    }
    doc = improvement_doc(
        key="define-fails",
        objectives=[objective_doc(metric="tickets", baseline="measure", target=1, source=source)],
    )
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    data.unlink()  # gone by the time the baseline is measured
    cli.ok("start", "define-fails")
    seen = wait_for(cli, "define-fails", state="Failed")
    (failure,) = actions("define-fails", "stage_failed")
    assert failure.startswith("define: baseline capture failed: IMP-")
    assert "tickets" in failure and "incidents.csv" in failure
    assert seen["failure"] == failure
    assert f"failed: {failure}" in cli.ok("status", "define-fails").stdout


def test_a_planning_round_starts_together_or_not_at_all(
    cli: Cli, lifecycle: Served, tmp_path: Path
) -> None:
    first, second = register(cli, tmp_path, "round-one"), register(cli, tmp_path, "round-two")
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="round-bad", objectives=[]))))
    (error,) = cli.fails("start", first, second, "round-bad")
    assert error.startswith("error: ") and "cannot start" in error
    assert show_improvement(first).flow_run_id is None
    assert show_improvement(second).flow_run_id is None
    out = cli.ok("start", first, second, first, "--as", "Lena Fischer").stdout
    assert out.count("started: flow run") == 2
    for ref in (first, second):
        wait_for(cli, ref, gate="plan-approval-1")
        (started,) = actions(ref, "lifecycle_started")
        assert started.startswith("flow run ")
