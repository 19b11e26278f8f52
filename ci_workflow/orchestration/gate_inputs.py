"""The forms a suspended lifecycle run waits for: one Prefect RunInput per gate, with the
decisions of that gate only (the server validates an answer against its JSON schema)."""

from __future__ import annotations

from typing import Literal

from prefect.input import RunInput
from pydantic import ConfigDict, Field

from ci_workflow.domain.stages.gates import Gate


class _Answer(RunInput):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="Your name as registered (improve people list).")
    comment: str = Field(default="", description="Why; required to reject, rework or extend.")
    # Filled in by the workspace and the CLI, which verified the person and sign the answer;
    # an answer typed here has none, and counts only if IMPROVE_PREFECT_UI_DECISIONS=allow.
    channel: str = Field(default="", description="Leave empty.")
    principal: str = Field(default="", description="Leave empty.")
    signature: str = Field(default="", description="Leave empty.")


class PlanApproval(_Answer):
    decision: Literal["approve", "reject", "rework"]


class Resubmission(_Answer):
    decision: Literal["resubmit"] = "resubmit"


class ExecutionComplete(_Answer):
    decision: Literal["complete"] = "complete"


class ReviewSignoff(_Answer):
    decision: Literal["accept", "extend"]
    lessons: str = Field(default="", description="Lessons learned; required to accept.")
    realised_gain: float | None = Field(default=None, ge=0)
    actual_cost: float | None = Field(default=None, ge=0)


ANSWERS: dict[Gate, type[_Answer]] = {
    Gate.plan_approval: PlanApproval,
    Gate.resubmitted: Resubmission,
    Gate.execution_complete: ExecutionComplete,
    Gate.review_signoff: ReviewSignoff,
}
