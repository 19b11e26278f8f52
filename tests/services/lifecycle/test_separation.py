"""Separation of duties cannot be stepped around by handing ownership over and back: the owner
freezes once the plan goes for approval, and an owner handed over in a rework loop stays one of
its owners for the approvals (issue 24 #3)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import NotAuthorised
from ci_workflow.services.lifecycle.decide import prepare_decision
from ci_workflow.services.lifecycle.gate_decisions import Outcome, decide_gate
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.settings import get_settings
from tests.helpers import Cli, improvement_doc, move_to, write_yaml

RUN = str(uuid.uuid4())
OMAR = operating_system("omar")


@pytest.fixture
def omars(cli: Cli, people: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An improvement owned by a process owner of its process, waiting at plan approval, with
    separation of duties on."""
    monkeypatch.setenv("IMPROVE_SEPARATION_OF_DUTIES", "true")
    get_settings.cache_clear()
    cli.ok(
        "people",
        "add",
        "Ola Berg",
        "--email",
        "ola@example.org",
        "--role",
        "process_owner:Incident Management",
    )
    path = write_yaml(tmp_path, improvement_doc(owner="Omar Haddad", process_owner="Ola Berg"))
    cli.ok("apply", str(path))
    move_to("awaiting_approval")
    open_gate(1, "plan_approval", 1, RUN)
    return path


def test_the_owner_cannot_hand_it_over_while_the_plan_waits(
    cli: Cli, omars: Path, tmp_path: Path
) -> None:
    handed = write_yaml(tmp_path, improvement_doc(owner="Lena Fischer", process_owner="Ola Berg"))
    result = cli.run("apply", str(handed), "--as", "Omar Haddad")
    assert result.exit_code == 1
    assert "owner of IMP-0001 cannot change once its plan went for approval" in result.output
    assert show_improvement("IMP-0001").owner == "Omar Haddad"
    with pytest.raises(NotAuthorised, match="other than its owner"):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=OMAR, by="Omar Haddad")


def test_an_owner_handed_over_in_a_rework_loop_still_may_not_approve(
    cli: Cli, omars: Path, tmp_path: Path
) -> None:
    rework = {"by": "Ola Berg", "decision": "rework", "comment": "Say how routing is measured"}
    assert decide_gate(1, "plan_approval", 1, rework).outcome is Outcome.taken
    assert show_improvement("IMP-0001").status == "defined"
    handed = write_yaml(tmp_path, improvement_doc(owner="Lena Fischer", process_owner="Ola Berg"))
    cli.ok("apply", str(handed), "--as", "Omar Haddad")  # allowed while it is being reworked
    (handover,) = [e for e in audit_trail("IMP-0001")[1] if e.action == "owner_handed_over"]
    assert handover.detail.endswith("Omar Haddad handed the improvement to Lena Fischer")
    open_gate(1, "resubmitted", 1, RUN)
    resubmit = {"by": "Lena Fischer", "decision": "resubmit"}
    assert decide_gate(1, "resubmitted", 1, resubmit).outcome is Outcome.taken
    open_gate(1, "plan_approval", 2, RUN)

    with pytest.raises(NotAuthorised, match="other than its owner or a former owner"):
        prepare_decision("IMP-0001", Gate.plan_approval, "approve", actor=OMAR, by="Omar Haddad")
    # Inside the flow too, whichever channel the answer came by.
    approve = {"by": "Omar Haddad", "decision": "approve"}
    assert decide_gate(1, "plan_approval", 2, approve).outcome is Outcome.refused
    assert show_improvement("IMP-0001").status == "awaiting_approval"
    # Another process owner approves.
    ola = {"by": "Ola Berg", "decision": "approve"}
    open_gate(1, "plan_approval", 3, RUN)
    assert decide_gate(1, "plan_approval", 3, ola).outcome is Outcome.taken
