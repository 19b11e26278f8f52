"""Rework and resubmit (issue 22): an improvement sent back for rework and resubmitted with no
change since needs a comment saying why, in the channels' pre-check and in the flow alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import UsageError
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml

CLI = operating_system("tester")
OWNER = "Lena Fischer"


@pytest.fixture
def reworked(cli: Cli, people: None, tmp_path: Path) -> int:
    """Sent back for rework at plan approval, waiting for its owner to resubmit."""
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, "run-1")
    open_gate(1, "plan_approval", 1, "run-1")
    rework = {"by": "Omar Haddad", "decision": "rework", "comment": "Aim higher"}
    assert decide_gate(1, "plan_approval", 1, rework).outcome is Outcome.taken
    open_gate(1, "resubmitted", 1, "run-1")
    return 1


def _resubmit(comment: str = "") -> Outcome:
    answer = {"by": OWNER, "decision": "resubmit", "comment": comment}
    return decide_gate(1, "resubmitted", 1, answer).outcome


def test_unchanged_it_is_refused_without_a_comment_before_it_is_sent(
    cli: Cli, reworked: int
) -> None:
    with pytest.raises(UsageError, match="nothing changed since the rework"):
        prepare_decision("IMP-0001", Gate.resubmitted, "resubmit", actor=CLI, by=OWNER)
    assert prepare_decision(
        "IMP-0001", Gate.resubmitted, "resubmit", actor=CLI, by=OWNER, comment="Asked and answered"
    )


def test_the_flow_refuses_it_too_and_takes_it_with_a_reason(cli: Cli, reworked: int) -> None:
    assert _resubmit() is Outcome.refused
    trail = cli.json("audit", "IMP-0001")
    assert trail[-1]["action"] == "gate_refused" and "nothing changed" in trail[-1]["detail"]
    open_gate(1, "resubmitted", 2, "run-1")
    answer = {"by": OWNER, "decision": "resubmit", "comment": "The target stands: see the data"}
    assert decide_gate(1, "resubmitted", 2, answer).outcome is Outcome.taken


def test_changed_it_needs_no_comment(cli: Cli, reworked: int, tmp_path: Path) -> None:
    doc = improvement_doc(objectives=[objective_doc(target=5)])
    cli.ok("apply", str(write_yaml(tmp_path, doc)))
    assert prepare_decision("IMP-0001", Gate.resubmitted, "resubmit", actor=CLI, by=OWNER)
    assert _resubmit() is Outcome.taken
