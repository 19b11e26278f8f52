"""The stages of an improvement's life, as plain functions the lifecycle flow runs as tasks.

Each function is idempotent on its own (keyed by improvement, gate and attempt), because a
flow replays from the top after every resume and a new deployment may re-run a cached task.
The flow orders them, and delivers the reports after review and consolidation. Opening a gate
is ``services.lifecycle.gate_opening``: a flow process that only decides and opens the next gate
does not load the capture.
"""

from __future__ import annotations

from sqlmodel import Session

from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.smart import readiness_problems
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import SnapshotKind
from ci_workflow.errors import NotReady
from ci_workflow.services.lifecycle.gate_opening import FLOW, advance
from ci_workflow.services.measurement.capture import capture_kind
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import find_request
from ci_workflow.store.register import improvements as store
from ci_workflow.store.snapshots import latest_baseline
from ci_workflow.store.tables import Improvement


def define_stage(improvement_id: int, flow_run_id: str) -> str:
    """Capture the baselines still to be measured, check the improvement is SMART and planned,
    then move it to ``planned``."""
    baselines = capture_kind(improvement_id, SnapshotKind.baseline, only_missing_baselines=True)
    if baselines.failed:
        raise NotReady("baseline capture failed: " + "; ".join(baselines.failed))
    with transaction() as session:
        improvement = _get(session, improvement_id)
        _adopt_baselines(session, improvement_id)
        if improvement.flow_run_id != flow_run_id:
            improvement.flow_run_id = flow_run_id
            session.add(improvement)
        # A new run replaying an improvement already past its first gate leaves its status be.
        replaying = find_request(session, improvement_id, Gate.plan_approval, 1) is not None
        if improvement.status in (Status.identified, Status.defined) and not replaying:
            problems = readiness_problems(
                shown_id=format_id(improvement_id),
                vision=improvement.vision,
                objectives=store.objectives_of(session, improvement_id),
                plan_actions=len(store.plan_of(session, improvement_id)),
            )
            if problems:
                raise NotReady(
                    f"{format_id(improvement_id)} cannot be defined: " + "; ".join(problems)
                )
            why = "vision, current state and SMART targets set"
            advance(session, improvement, Status.defined, FLOW, why)
            advance(session, improvement, Status.planned, FLOW, "plan recorded")
        return improvement.status


def _adopt_baselines(session: Session, improvement_id: int) -> None:
    """Objectives whose baseline was to be measured take their latest baseline snapshot."""
    for objective in store.objectives_of(session, improvement_id):
        if objective.baseline is None:
            measured = latest_baseline(session, objective.id or 0)
            if measured is not None:
                objective.baseline = measured
                session.add(objective)
    session.flush()


def review_stage(improvement_id: int, round_: int) -> int:
    """The final capture of every objective for review ``round_`` (the round keeps a second
    review, after an extension, from being taken for a replay of the first). A failed capture is
    recorded and does not stop the review. Returns how many values were stored."""
    return len(capture_kind(improvement_id, SnapshotKind.final).stored)


def consolidate_stage(improvement_id: int) -> str:
    """Keep the lessons and close the improvement."""
    with transaction() as session:
        improvement = _get(session, improvement_id)
        advance(session, improvement, Status.closed, FLOW, "consolidated; lessons learned kept")
        return improvement.status


def _get(session: Session, improvement_id: int) -> Improvement:
    return store.get_improvement(session, str(improvement_id))
