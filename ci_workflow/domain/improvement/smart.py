"""SMART checks that need the register's facts: a target beyond its baseline, and what keeps an
improvement from being defined and planned (the file's own checks live in ``spec.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ci_workflow.domain.improvement.sources import is_fetched


class ObjectiveFacts(Protocol):
    @property
    def metric(self) -> str: ...
    @property
    def baseline(self) -> float | None: ...
    @property
    def target(self) -> float: ...
    @property
    def direction(self) -> str: ...
    @property
    def source(self) -> dict[str, Any]: ...


def beyond(baseline: float, target: float, direction: str) -> bool:
    """The target lies on the far side of the baseline, in the objective's direction."""
    return target > baseline if direction == "increase" else target < baseline


def readiness_problems(
    *, shown_id: str, vision: str, objectives: Sequence[ObjectiveFacts], plan_actions: int
) -> list[str]:
    """What keeps an improvement from being defined and planned: SMART targets and a plan."""
    problems = []
    if not objectives:
        problems.append("it has no objectives (SMART targets)")
    for objective in objectives:
        if objective.baseline is None and not is_fetched(objective.source):
            problems.append(
                f"objective {objective.metric!r} has a manual source and no baseline yet: record "
                f"it with `improve record {shown_id} {objective.metric} VALUE --baseline --as NAME`"
            )
        elif objective.baseline is not None and not beyond(
            objective.baseline, objective.target, objective.direction
        ):
            problems.append(
                f"objective {objective.metric!r}: the measured baseline {objective.baseline:g} "
                f"already meets the target {objective.target:g}"
            )
    if not vision.strip():
        problems.append("it has no vision")
    if not plan_actions:
        problems.append("it has no plan actions")
    return problems
