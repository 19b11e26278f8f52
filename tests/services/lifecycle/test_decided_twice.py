"""A decision taken twice by the same person, on any channel, is told "you already decided",
not that the improvement waits nowhere or that somebody else came first."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import GateError
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

RUN = str(uuid.uuid4())
OMAR = operating_system("omar")


def test_the_cli_run_again_after_the_flow_took_it(cli: Cli, people: None, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    move_to("awaiting_approval")
    open_gate(1, "plan_approval", 1, RUN)
    approve = {"by": "Omar Haddad", "decision": "approve"}
    assert decide_gate(1, "plan_approval", 1, approve).outcome is Outcome.taken
    with pytest.raises(GateError, match=r"^you already decided plan-approval-1: approve$"):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=OMAR, by="Omar Haddad")
    # Somebody else who may decide is told where it stands instead.
    with pytest.raises(GateError, match="is not waiting at any gate"):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=OMAR, by="Carmen Ruiz")
