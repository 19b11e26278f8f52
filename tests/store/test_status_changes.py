"""Every status change goes through one function that checks, stamps and audits it."""

from pathlib import Path

import pytest

from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import IllegalTransition
from ci_workflow.store.audit import events_for
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import change_status, get_improvement
from tests.helpers import Cli, improvement_doc, write_yaml


@pytest.fixture
def registered(cli: Cli, people: None, tmp_path: Path) -> None:
    cli.ok("apply", str(write_yaml(tmp_path, improvement_doc())))


def test_a_change_is_stamped_and_audited(registered: None) -> None:
    with transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        for status in (
            Status.defined,
            Status.planned,
            Status.awaiting_approval,
            Status.approved,
            Status.executing,
        ):
            change_status(session, improvement, status, actor="Omar Haddad", reason="go")
    with transaction(write=False) as session:
        improvement = get_improvement(session, "IMP-0001")
        assert improvement.status == "executing"
        assert improvement.approved_at is not None and improvement.started_at is not None
        assert improvement.approved_at.tzinfo is not None
        moves = [(e.from_status, e.to_status, e.actor) for e in events_for(session, 1)][1:]
    assert moves[-1] == ("approved", "executing", "Omar Haddad") and len(moves) == 5


def test_an_illegal_change_writes_nothing(registered: None) -> None:
    with pytest.raises(IllegalTransition), transaction() as session:
        improvement = get_improvement(session, "IMP-0001")
        change_status(session, improvement, Status.defined, actor="x", reason="fine")
        change_status(session, improvement, Status.closed, actor="x", reason="skip ahead")
    with transaction(write=False) as session:
        assert get_improvement(session, "IMP-0001").status == "identified"
        assert len(events_for(session, 1)) == 1
