"""When an improvement's lifecycle run is stranded, and what brings it back.

A run is stranded when the register still expects it to carry the improvement on and it never
will: it ended (Failed, Crashed, Cancelled, even Completed) while the improvement is still open
past its start; it was handed to a process that died before starting it (Pending, "Submitting",
longer than a bound) or while running it (Running longer than a bound). It is restarted: a new
run replays the recorded decisions and waits where the register does. A run that waits as it
should but whose gate holds a claim older than its expiry lost the answer of a command that
died before sending it: only the claim is given back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.stages.lifecycle import TERMINAL, Status

# MISSING: the orchestrator does not know the run (its database was reset, the run deleted).
FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "MISSING"})
NOT_STARTED = frozenset({Status.identified, Status.defined, Status.planned})


class Remedy(StrEnum):
    none = "none"  # live, or nothing the reconciler should touch
    restart = "restart"  # cancel the run if it is not final, start a new one from the register
    release_claim = "release_claim"  # the run waits; only a dead command's claim is given back


@dataclass(frozen=True)
class RunSeen:
    """The run as the orchestrator shows it: its state's type, name and since when."""

    type: str
    name: str
    since: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.type in FINAL


@dataclass(frozen=True)
class Waiting:
    """What the register says about the improvement: its status and the gate it waits at."""

    status: str
    gate_key: str | None = None  # e.g. plan-approval-1, of the open gate request
    claimed_by: str | None = None
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class Bounds:
    pending: timedelta  # handed to a process that should have started it by then
    running: timedelta  # a lifecycle run between two gates is minutes of work
    claim: timedelta  # a command answers within seconds of claiming the gate


@dataclass(frozen=True)
class Verdict:
    remedy: Remedy
    why: str = ""


LIVE = Verdict(Remedy.none)


def judge(run: RunSeen, register: Waiting, *, now: datetime, bounds: Bounds) -> Verdict:
    """Whether this run is stranded, why, and what brings it back."""
    if register.status in TERMINAL:
        return LIVE  # a withdrawn improvement's run is cancelled by the withdrawal
    if run.is_final:
        if register.gate_key is None and register.status in NOT_STARTED:
            return LIVE  # it ended before its first gate (define failed): `improve start`
        where = f"waits at {register.gate_key}" if register.gate_key else f"is {register.status}"
        return Verdict(Remedy.restart, f"ended while the register {where}")
    # To the second, as the register keeps time: a bound of 0 holds from the state's start.
    since = as_utc(run.since).replace(microsecond=0) if run.since is not None else None
    waited = now - since if since is not None else None
    if run.type == "PENDING" and waited is not None and waited >= bounds.pending:
        return Verdict(Remedy.restart, f"was never started by a process for {_span(waited)}")
    if run.type == "RUNNING" and waited is not None and waited >= bounds.running:
        return Verdict(Remedy.restart, f"has not been heard of for {_span(waited)}")
    if (
        run.type == "PAUSED"
        and register.claimed_at is not None
        and now - as_utc(register.claimed_at) > bounds.claim
    ):
        return Verdict(Remedy.release_claim, f"never received {register.claimed_by}'s answer")
    return LIVE


def may_restart(restarts_today: int, *, limit: int, asked: bool) -> bool:
    """The watchdog restarts one improvement a few times a day at most (a run that fails again
    each time has a cause a person must fix); a person asking for it always may."""
    return asked or restarts_today < limit


def lost_answer(register: Waiting) -> str:
    """What the trail says of the answer that had claimed the gate, if one had."""
    if register.claimed_by is None or register.gate_key is None:
        return ""
    return f"{register.claimed_by}'s answer to {register.gate_key} was never recorded; decide again"


def _span(waited: timedelta) -> str:
    minutes = waited.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
