"""Sending a decision to the gate a lifecycle run waits at, from any channel that has checked
the person: the same rule is checked again inside the flow when the answer arrives."""

from __future__ import annotations

from typing import Any

from ci_workflow.domain.actors import Actor
from ci_workflow.domain.gates import Gate
from ci_workflow.orchestration.client import resume
from ci_workflow.services.lifecycle import gates


def send_decision(
    ref: str, gate: Gate, decision: str, *, actor: Actor, by: str | None = None, **fields: Any
) -> gates.Resumption:
    """Check the decision, claim the gate, answer the run (signed); the claim is given back if
    Prefect does not take the answer. Returns what was sent."""
    resumption = gates.prepare_decision(ref, gate, decision, actor=actor, by=by, **fields)
    gates.claim(resumption)
    try:
        resume(resumption.flow_run_id, resumption.key, resumption.run_input)
    except BaseException:
        gates.release(resumption)
        raise
    return resumption
