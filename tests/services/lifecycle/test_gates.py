"""Gate bookkeeping without Prefect: the watchdog's rule and the checks before a decision is sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import GateError, NotAuthorised, NotReady, UsageError
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.start import check_startable
from ci_workflow.services.lifecycle.watchdog import report_overdue_gates
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests
from tests.helpers import Cli, improvement_doc, write_yaml

CLI = operating_system("tester")


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> int:
    """An improvement defined and waiting at plan approval, as the flow leaves it."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, "run-1")
    open_gate(1, "plan_approval", 1, "run-1")
    return 1


def age_requests(days: float, *, reminded_days_ago: float | None = None) -> None:
    with transaction() as session:
        for request in open_requests(session):
            request.opened_at = utcnow() - timedelta(days=days)
            if reminded_days_ago is not None:
                request.reminded_at = utcnow() - timedelta(days=reminded_days_ago)
            session.add(request)


def test_gates_waiting_too_long_are_reported_once_a_day(cli: Cli, waiting: int) -> None:
    assert report_overdue_gates() == []
    age_requests(6)
    (message,) = report_overdue_gates()
    assert message.startswith("IMP-0001 has waited 6 days at plan-approval-1")
    assert report_overdue_gates() == []
    age_requests(7, reminded_days_ago=1.5)
    assert len(report_overdue_gates()) == 1
    trail = cli.json("audit", "IMP-0001")
    assert [e["action"] for e in trail].count("gate_overdue") == 2


def test_open_gate_is_idempotent(cli: Cli, waiting: int) -> None:
    open_gate(1, "plan_approval", 1, "run-1")
    assert [e["action"] for e in cli.json("audit", "IMP-0001")].count("gate_opened") == 1
    assert cli.json("show", "IMP-0001")["status"] == "awaiting_approval"


def test_a_decision_is_checked_before_it_is_sent(waiting: int) -> None:
    resumption = prepare_decision(
        "IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="omar@example.org", comment="ok"
    )
    assert (resumption.flow_run_id, resumption.key) == ("run-1", "plan-approval-1")
    signature = resumption.run_input.pop("signature")
    assert resumption.run_input == {
        "by": "Omar Haddad",
        "decision": "approve",
        "comment": "ok",
        "channel": "cli",
        "principal": "os:tester",
    }
    assert len(signature) == 64  # an HMAC-SHA256 the flow checks
    with pytest.raises(GateError, match="waiting at plan_approval, not at review_signoff"):
        prepare_decision(
            "IMP-0001", Gate.review_signoff, "accept", actor=CLI, by="Omar Haddad", lessons="x"
        )
    with pytest.raises(NotAuthorised):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Priya Nair")
    with pytest.raises(UsageError, match="rework needs --comment"):
        prepare_decision(
            "IMP-0001", Gate.plan_approval, "rework", actor=CLI, by="Omar Haddad", comment=""
        )


def test_an_improvement_without_a_plan_or_measured_baseline_cannot_start(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    doc = improvement_doc(
        plan=[], objectives=[{**improvement_doc()["objectives"][0], "baseline": "measure"}]
    )
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    with pytest.raises(NotReady) as refused:
        check_startable("IMP-0001")
    assert "objective 'mttr_hours' has a manual source and no baseline yet" in str(refused.value)
    assert "it has no plan actions" in str(refused.value)


def test_the_decision_form_summarises_the_improvement_and_escapes_what_people_typed(
    cli: Cli, people: None, tmp_path: Path
) -> None:
    from ci_workflow.services.lifecycle.gate_opening import gate_description
    from ci_workflow.store.tables import MetricSnapshot

    doc = improvement_doc(title="<script>alert(1)</script> faster fixes")
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    with transaction() as session:
        session.add(
            MetricSnapshot(objective_id=1, kind="checkpoint", checkpoint_at=utcnow(), value=8.25)
        )
    text = gate_description(1, Gate.plan_approval)
    assert "<script>" not in text
    assert r"&lt;script&gt;alert\(1\)&lt;/script&gt; faster fixes" in text
    assert "| mttr_hours (h) | 9.5 | 8.25 (" in text and "| 6 | decrease | 2027-03-31 |" in text
    assert "**Cost → gain:** 12,000 → 45,000 (value 33,000; priority 12)" in text
    assert "- Add a routing rule (Priya Nair, due 2026-12-15, planned)" in text
    assert "Decisions: approve, reject, rework." in text


def test_only_one_command_may_answer_a_gate_at_a_time(waiting: int) -> None:
    from ci_workflow.services.lifecycle.decide import claim, release

    first = prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=CLI, by="Omar Haddad")
    second = prepare_decision(
        "IMP-0001", Gate.plan_approval, "reject", actor=CLI, by="Carmen Ruiz", comment="no"
    )
    claim(first)
    with pytest.raises(
        GateError, match="another decision reached IMP-0001's plan-approval-1 first"
    ):
        claim(second)
    release(first)  # Prefect refused the first answer: the gate is free again
    claim(second)
