"""What a refused move says: where it came from, where it wanted to go, and what is allowed
from there, or that nothing is because the status is final."""

from __future__ import annotations

import pytest

from ci_workflow.domain.stages.lifecycle import check_transition
from ci_workflow.errors import IllegalTransition


@pytest.mark.parametrize(
    ("current", "target", "said"),
    [
        (
            "awaiting_approval",
            "closed",
            "cannot move from awaiting_approval to closed; allowed from awaiting_approval: "
            "approved, defined, rejected, withdrawn",
        ),
        (
            "closed",
            "executing",
            "cannot move from closed to executing; allowed from closed: none (it is final)",
        ),
        (
            "consolidating",
            "withdrawn",
            "cannot move from consolidating to withdrawn; allowed from consolidating: closed",
        ),
    ],
)
def test_a_refused_move_says_what_is_allowed(current: str, target: str, said: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(current, target)
    assert str(refused.value) == said


def test_an_unknown_status_is_named() -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition("executing", "done")
    assert str(refused.value) == "unknown status: 'done' is not a valid Status"
