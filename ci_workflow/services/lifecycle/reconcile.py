"""Bringing stranded lifecycle runs back: a process that died (`improve serve` killed, the
Prefect server killed, a flow that could not reach the register) must not leave an improvement
that can neither be decided nor restarted.

The rule is ``domain.stages.stranding``; here each open improvement's run is read from the
orchestrator and, when stranded, cancelled if it is not final and replaced by a new run, which
replays the recorded decisions and waits where the register does (``gate_opening.open_gate``
hands it the waiting gate). The trail names the old run, its state, what was lost and what was
done. The hourly watchdog runs this for every improvement, `improve reconcile` and `improve
start` for those named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.gates import CLAIM_EXPIRY, Gate, gate_key
from ci_workflow.domain.stages.lifecycle import OPEN
from ci_workflow.domain.stages.stranding import (
    Bounds,
    Remedy,
    RunSeen,
    Verdict,
    Waiting,
    judge,
    lost_answer,
    may_restart,
)
from ci_workflow.services.lifecycle.runs import Runs
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import count_since, record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import open_requests, take_over
from ci_workflow.store.register import improvements as store
from ci_workflow.store.tables import Improvement

log = logging.getLogger("ci_workflow.lifecycle")

RECONCILER = "reconciler"
RUN_RESTARTED = "run_restarted"
CLAIM_RELEASED = "gate_claim_released"


@dataclass(frozen=True)
class Assessment:
    """One improvement's run as the orchestrator shows it, against what the register says."""

    improvement_id: int
    shown_id: str
    title: str
    flow_run_id: str
    run: RunSeen
    register: Waiting
    verdict: Verdict


@dataclass(frozen=True)
class Reconciled:
    shown_id: str
    line: str
    new_run: str | None = None


def reconcile(
    runs: Runs, refs: list[str] | None = None, *, actor: str = RECONCILER
) -> list[Reconciled]:
    """Every open improvement's run (or those of ``refs``, which a person asked for) judged,
    and each stranded one brought back; a line per improvement acted on."""
    done = []
    for assessment in assess(runs, refs):
        if assessment.verdict.remedy is Remedy.restart:
            done.append(restart(assessment, runs, actor=actor, asked=refs is not None))
        elif assessment.verdict.remedy is Remedy.release_claim:
            done.append(release_claim(assessment, actor=actor))
    for reconciled in done:
        log.warning(reconciled.line)
    return done


def assess(runs: Runs, refs: list[str] | None = None) -> list[Assessment]:
    """The improvements' runs read and judged (those without a run are left out). Raises
    ``OrchestratorUnavailable`` when the orchestrator cannot be reached."""
    with transaction(write=False) as session:
        if refs is None:
            improvements = store.with_status(session, OPEN)
        else:
            improvements = [store.get_improvement(session, ref) for ref in dict.fromkeys(refs)]
        facts = [
            (i.id or 0, i.title, i.flow_run_id, waiting(session, i))
            for i in improvements
            if i.flow_run_id
        ]
    settings, now = get_settings(), utcnow()
    bounds = Bounds(
        pending=timedelta(minutes=settings.run_stuck_minutes),
        running=timedelta(hours=settings.run_running_hours),
        claim=CLAIM_EXPIRY,
    )
    assessed = []
    for improvement_id, title, run_id, register in facts:
        state = runs.state(run_id)
        seen = RunSeen(state.type, state.name, state.since)
        verdict = judge(seen, register, now=now, bounds=bounds)
        shown = format_id(improvement_id)
        assessed.append(Assessment(improvement_id, shown, title, run_id, seen, register, verdict))
    return assessed


def waiting(session: Session, improvement: Improvement) -> Waiting:
    """What the register says: the improvement's status and the gate it waits at, if any."""
    requests = open_requests(session, improvement.id)
    if not requests:
        return Waiting(improvement.status)
    request = requests[-1]
    return Waiting(
        improvement.status,
        gate_key(Gate(request.gate), request.attempt),
        request.claimed_by,
        request.claimed_at,
    )


def restart(assessment: Assessment, runs: Runs, *, actor: str, asked: bool) -> Reconciled:
    """Cancel the stranded run if it is not final, start a new one, and say so in the trail;
    the watchdog restarts one improvement a few times a day at most."""
    a, shown = assessment, assessment.shown_id
    with transaction(write=False) as session:
        today = count_since(session, a.improvement_id, RUN_RESTARTED, utcnow() - timedelta(days=1))
    limit = get_settings().reconcile_restarts_per_day
    if not may_restart(today, limit=limit, asked=asked):
        return Reconciled(
            shown,
            f"{shown}: flow run {a.flow_run_id} {a.verdict.why}; not restarted, already "
            f"{today} times today: `improve reconcile {shown}` once the cause is fixed",
        )
    if not a.run.is_final:
        runs.cancel(a.flow_run_id)
    new_run = runs.start(a.improvement_id, shown, a.title)
    lost = lost_answer(a.register)
    detail = (
        f"flow run {a.flow_run_id} was {a.run.name} ({a.verdict.why}); "
        + (f"{lost}; " if lost else "")
        + ("" if a.run.is_final else "cancelled it and ")
        + f"restarted as flow run {new_run}, which replays the recorded decisions"
        + (f" and waits at {a.register.gate_key} again" if a.register.gate_key else "")
    )
    with transaction() as session:
        improvement = store.get_improvement(session, str(a.improvement_id))
        current = improvement.flow_run_id
        raced = current not in (a.flow_run_id, new_run)
        if not raced:
            improvement.flow_run_id = new_run
            session.add(improvement)
            for request in open_requests(session, a.improvement_id):
                take_over(session, request, flow_run_id=new_run)
            record_event(
                session,
                improvement_id=a.improvement_id,
                actor=actor,
                action=RUN_RESTARTED,
                detail=detail,
            )
    if raced:  # another reconciler restarted it meanwhile: ours is one too many
        runs.cancel(new_run)
        return Reconciled(shown, f"{shown}: already restarted as flow run {current}")
    return Reconciled(shown, f"{shown}: {detail}", new_run)


def release_claim(assessment: Assessment, *, actor: str) -> Reconciled:
    """The run waits as it should; the claim of a command that died before answering is given
    back, and the trail says the answer never arrived."""
    a = assessment
    detail = (
        f"flow run {a.flow_run_id} {a.verdict.why} at {a.register.gate_key}: the gate's claim is "
        "given back; decide again"
    )
    with transaction() as session:
        for request in open_requests(session, a.improvement_id):
            if request.claimed_by == a.register.claimed_by:
                take_over(session, request, flow_run_id=request.flow_run_id or a.flow_run_id)
        record_event(
            session,
            improvement_id=a.improvement_id,
            actor=actor,
            action=CLAIM_RELEASED,
            detail=detail,
        )
    return Reconciled(a.shown_id, f"{a.shown_id}: {detail}")
