"""Withdrawing an improvement: the register first (status, open gates closed, the trail), then
its lifecycle run cancelled. When the orchestrator cannot be reached the run is cancelled later by
the hourly watchdog (or the next withdrawal), once: the trail says how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id, parse_id
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import OrchestratorUnavailable, UsageError
from ci_workflow.services.lifecycle.runs import Runs
from ci_workflow.services.people.refusals import refuse
from ci_workflow.store.audit import record_event, without_action
from ci_workflow.store.db import transaction
from ci_workflow.store.gates import close_requests
from ci_workflow.store.register import improvements as store


@dataclass(frozen=True)
class Withdrawn:
    shown_id: str
    flow_run_id: str | None
    run_cancelled: bool = False
    # The orchestrator could not be reached: the watchdog cancels the run when it answers.
    run_cancel_pending: str | None = None
    lines: list[str] = field(default_factory=list)


def withdraw_improvement(ref: str, *, actor: Actor, reason: str, runs: Runs) -> Withdrawn:
    """The one door every channel uses: withdraw it, then cancel its run if it has one."""
    shown, flow_run_id = withdraw(ref, actor=actor, reason=reason)
    if not flow_run_id:
        return Withdrawn(shown, None)
    try:
        settled = settle_withdrawn_runs(runs, parse_id(shown))
    except OrchestratorUnavailable as error:
        return Withdrawn(shown, flow_run_id, run_cancel_pending=str(error))
    cancelled = any(cancelled for _, cancelled in settled)
    return Withdrawn(shown, flow_run_id, cancelled, lines=[line for line, _ in settled])


def withdraw(ref: str, *, actor: Actor, reason: str) -> tuple[str, str | None]:
    """The owner, the process owner of its process, or a CI manager may withdraw an improvement.

    Its open gates close; returns its id and the flow run the caller must cancel, if any.
    """
    if not reason.strip():
        raise UsageError("a reason is required to withdraw an improvement")
    with transaction() as session:
        improvement = store.get_improvement(session, ref)
        assert improvement.id is not None
        person = actor.person
        may = person is not None and allowed(
            Action.withdraw, person, store.parties_of(session, improvement)
        )
        if may and improvement.status != Status.withdrawn:  # again: settles its run only
            store.change_status(
                session,
                improvement,
                Status.withdrawn,
                actor=actor.name,
                reason=reason.strip(),
                channel=actor.channel,
                principal=actor.principal,
            )
            close_requests(session, improvement.id, at=utcnow(), outcome="withdrawn")
        shown, process = store.display_id(improvement), improvement.process
    if not may:
        raise refuse(
            actor,
            f"{actor.name} may not withdraw {shown}: only its owner, a process owner of "
            f"{process!r} or a CI manager may",
            improvement_id=improvement.id,
        )
    return shown, improvement.flow_run_id


RUN_CANCELLED = "run_cancelled"


def runs_to_cancel(improvement_id: int | None = None) -> list[tuple[int, str]]:
    """(improvement id, flow run id) of withdrawn improvements whose run was never seen ended:
    a withdrawal while Prefect was unreachable leaves one, and reconciliation finishes it."""
    with transaction(write=False) as session:
        runs = {
            i.id or 0: i.flow_run_id or ""
            for i in store.with_status(session, [Status.withdrawn])
            if i.flow_run_id and improvement_id in (None, i.id)
        }
        open_ = without_action(session, runs, RUN_CANCELLED)
    return [(i, run) for i, run in runs.items() if i in open_]


def run_ended(improvement_id: int, flow_run_id: str, *, cancelled: bool) -> None:
    detail = f"flow run {flow_run_id} " + ("cancelled" if cancelled else "had already ended")
    with transaction() as session:
        record_event(
            session,
            improvement_id=improvement_id,
            actor="withdrawal",
            action=RUN_CANCELLED,
            detail=detail,
        )


def settle_withdrawn_runs(runs: Runs, improvement_id: int | None = None) -> list[tuple[str, bool]]:
    """Cancel the still-live runs of withdrawn improvements (of one, or of all). Raises
    ``OrchestratorUnavailable`` when it cannot be reached: nothing is marked settled then.
    Returns a line for people per run, and whether it was cancelled (or had ended already)."""
    settled = []
    for withdrawn_id, flow_run_id in runs_to_cancel(improvement_id):
        cancelled = runs.cancel(flow_run_id)
        run_ended(withdrawn_id, flow_run_id, cancelled=cancelled)
        outcome = "cancelled" if cancelled else "had already ended"
        settled.append((f"{format_id(withdrawn_id)}: flow run {flow_run_id} {outcome}", cancelled))
    return settled
