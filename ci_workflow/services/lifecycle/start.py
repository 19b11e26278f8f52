"""Starting improvements' lifecycle runs: a planning round, all checked before any starts, one
run each, recorded in the register; the one door the CLI, the workspace and the benches use."""

from __future__ import annotations

from dataclasses import dataclass

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.improvement.smart import readiness_problems
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.stages.stranding import Remedy
from ci_workflow.errors import NotReady, UsageError
from ci_workflow.services.lifecycle.reconcile import assess, restart
from ci_workflow.services.lifecycle.runs import Runs
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store


@dataclass(frozen=True)
class Started:
    shown_id: str
    flow_run_id: str
    restarted_from: str | None = None  # the stranded run this one replaces


def start_round(refs: list[str], *, actor: Actor, runs: Runs) -> list[Started]:
    """Start each improvement's lifecycle run. All are checked first (ready, and not already
    running): one that cannot start, and none starts. One whose run a dead process stranded
    is restarted from the register's state instead (``reconcile``)."""
    checks, stranded = [], []
    for ref in dict.fromkeys(refs):
        assessed = assess(runs, [ref])
        seen = assessed[0] if assessed else None
        if seen is not None and seen.verdict.remedy is Remedy.restart:
            stranded.append(seen)
            continue
        check = check_startable(ref)
        if seen is not None and not seen.run.is_final:
            raise UsageError(
                f"{check.shown_id} already runs as flow run {seen.flow_run_id} ({seen.run.name})"
            )
        checks.append(check)
    started = []
    for check in checks:
        run_id = runs.start(check.improvement_id, check.shown_id, check.title)
        record_start(check.improvement_id, run_id, actor)
        started.append(Started(check.shown_id, run_id))
    for seen in stranded:
        done = restart(seen, runs, actor=actor.name, asked=True)
        started.append(Started(seen.shown_id, done.new_run or "", seen.flow_run_id))
    return started


@dataclass(frozen=True)
class StartCheck:
    improvement_id: int
    shown_id: str
    title: str
    previous_run: str | None


def check_startable(ref: str) -> StartCheck:
    """An improvement may start its lifecycle once, from identified, defined or planned."""
    with transaction(write=False) as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        shown = format_id(improvement.id)
        if improvement.status not in (Status.identified, Status.defined, Status.planned):
            raise NotReady(
                f"{shown} is {improvement.status}; only an improvement not yet submitted can start"
            )
        problems = readiness_problems(
            shown_id=shown,
            vision=improvement.vision,
            objectives=store.objectives_of(session, improvement.id),
            plan_actions=len(store.plan_of(session, improvement.id)),
        )
        if problems:
            raise NotReady(f"{shown} cannot start: " + "; ".join(problems))
        return StartCheck(improvement.id, shown, improvement.title, improvement.flow_run_id)


def record_start(improvement_id: int, flow_run_id: str, actor: Actor) -> None:
    with transaction() as session:
        improvement = store.get_improvement(session, str(improvement_id))
        improvement.flow_run_id = flow_run_id
        session.add(improvement)
        record_act(
            session,
            actor,
            improvement_id=improvement_id,
            action="lifecycle_started",
            detail=f"flow run {flow_run_id}",
        )
