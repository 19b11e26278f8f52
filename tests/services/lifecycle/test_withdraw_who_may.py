"""Who may withdraw an improvement (``withdraw``): its owner, a process owner of its process or a
CI manager; anyone else is refused in words naming who may, and the refusal is audited. A
withdrawal needs a reason, closes the gates that wait, and a second one changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_workflow.domain.authority.actors import operating_system, signed_in
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.errors import NotAuthorised, UsageError
from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.lifecycle.withdraw import withdraw
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.register.browse import audit_trail, show_improvement
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_request, open_requests
from tests.helpers import Cli, improvement_doc, write_yaml


@pytest.fixture
def waiting(cli: Cli, people: None, tmp_path: Path) -> int:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))
    define_stage(1, "run-1")
    open_gate(1, "plan_approval", 1, "run-1")
    return 1


@pytest.mark.parametrize("name", ["Lena Fischer", "Omar Haddad", "Carmen Ruiz"])
def test_the_owner_a_process_owner_or_a_ci_manager_withdraws(waiting: int, name: str) -> None:
    actor = signed_in(person_view_of(name))
    assert withdraw("IMP-0001", actor=actor, reason="  Superseded  ") == ("IMP-0001", "run-1")
    assert show_improvement("IMP-0001").status == "withdrawn"
    moved = [e for e in audit_trail("IMP-0001")[1] if e.action == "status_changed"][-1]
    assert (moved.to_status, moved.detail, moved.actor) == ("withdrawn", "Superseded", name)
    assert (moved.channel, moved.principal) == ("web", actor.principal)
    with transaction(write=False) as session:
        assert open_requests(session, 1) == []  # its gate closed


@pytest.mark.parametrize("name", ["Priya Nair", "Grace Kim"])
def test_anyone_else_is_refused_and_the_refusal_audited(waiting: int, name: str) -> None:
    actor = signed_in(person_view_of(name))
    with pytest.raises(NotAuthorised) as refused:
        withdraw("IMP-0001", actor=actor, reason="Not needed")
    assert str(refused.value) == (
        f"{name} may not withdraw IMP-0001: only its owner, a process owner of "
        "'Incident Management' or a CI manager may"
    )
    assert show_improvement("IMP-0001").status == "awaiting_approval"
    (event,) = [e for e in audit_trail("IMP-0001")[1] if e.action == "forbidden"]
    assert (event.detail, event.actor, event.channel) == (str(refused.value), name, "web")
    with transaction(write=False) as session:
        assert len(open_requests(session, 1)) == 1  # still waiting


def test_the_cli_acting_for_nobody_may_not_withdraw(waiting: int) -> None:
    with pytest.raises(NotAuthorised, match=r"^os:root may not withdraw IMP-0001"):
        withdraw("IMP-0001", actor=operating_system("root"), reason="Not needed")
    assert show_improvement("IMP-0001").status == "awaiting_approval"


def test_a_withdrawal_needs_a_reason(waiting: int) -> None:
    lena = signed_in(person_view_of("Lena Fischer"))
    with pytest.raises(UsageError, match=r"^a reason is required to withdraw an improvement$"):
        withdraw("IMP-0001", actor=lena, reason="   ")
    assert show_improvement("IMP-0001").status == "awaiting_approval"


def test_withdrawing_again_changes_nothing_and_still_names_the_run(waiting: int) -> None:
    lena = signed_in(person_view_of("Lena Fischer"))
    withdraw("IMP-0001", actor=lena, reason="Superseded")
    assert withdraw("IMP-0001", actor=lena, reason="Again") == ("IMP-0001", "run-1")
    moves = [e for e in audit_trail("IMP-0001")[1] if e.to_status == "withdrawn"]
    assert [e.detail for e in moves] == ["Superseded"]


def test_only_its_own_gates_close_and_they_say_why(cli: Cli, waiting: int, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc(key="other", title="Another"))))
    define_stage(2, "run-2")
    open_gate(2, "plan_approval", 1, "run-2")
    withdraw("IMP-0001", actor=signed_in(person_view_of("Lena Fischer")), reason="Superseded")
    with transaction(write=False) as session:
        closed = find_request(session, 1, Gate.plan_approval, 1)
        assert closed is not None and closed.outcome == "withdrawn"
        assert [r.improvement_id for r in open_requests(session)] == [2]
