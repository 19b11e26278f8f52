from collections import deque
from itertools import pairwise

import pytest

from ci_workflow.domain.stages.lifecycle import ALLOWED, TERMINAL, Status, check_transition
from ci_workflow.errors import IllegalTransition


def test_the_happy_path_of_the_model_is_allowed_step_by_step() -> None:
    path = [
        "identified",
        "defined",
        "planned",
        "awaiting_approval",
        "approved",
        "executing",
        "in_review",
        "consolidating",
        "closed",
    ]
    for current, target in pairwise(path):
        assert check_transition(current, target) == Status(target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("awaiting_approval", "defined"),
        ("in_review", "executing"),
        ("awaiting_approval", "rejected"),
    ],
)
def test_rework_extend_and_reject_are_allowed(current: str, target: str) -> None:
    assert check_transition(current, target) == Status(target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("identified", "executing"),
        ("closed", "executing"),
        ("withdrawn", "identified"),
        ("consolidating", "withdrawn"),
        ("executing", "approved"),
    ],
)
def test_illegal_moves_raise_and_name_what_is_allowed(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot move from {current} to {target}"):
        check_transition(current, target)


def test_unknown_status_is_an_illegal_transition() -> None:
    with pytest.raises(IllegalTransition, match="unknown status"):
        check_transition("identified", "done")


def test_final_statuses_allow_nothing_and_every_status_is_reachable() -> None:
    assert {Status.closed, Status.rejected, Status.withdrawn} == TERMINAL
    seen, queue = {Status.identified}, deque([Status.identified])
    while queue:
        for nxt in ALLOWED[queue.popleft()] - seen:
            seen.add(nxt)
            queue.append(nxt)
    assert seen == set(Status)
