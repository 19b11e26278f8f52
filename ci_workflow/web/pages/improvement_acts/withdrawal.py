"""Withdrawing an improvement from its page, with a reason, and the JSON twin: the use case
``improve withdraw`` calls, with the real ``Runs`` port, so its run is cancelled as well."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.orchestration.runs import PrefectRuns
from ci_workflow.services.lifecycle.withdraw import Withdrawn, withdraw_improvement
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]


def said(done: Withdrawn) -> str:
    """The withdrawal as the page tells it: what became of its run, too."""
    if done.run_cancel_pending is not None:
        return (
            f"{done.shown_id} withdrawn; its run could not be cancelled now, the gate watchdog "
            "cancels it later"
        )
    run = "; its run was cancelled" if done.run_cancelled else ""
    return f"{done.shown_id} withdrawn{run}"


@router.post("/improvements/{ref}/withdraw")
def withdraw_form(
    request: Request, ref: str, actor: Viewer, reason: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        done = withdraw_improvement(ref, actor=actor, reason=reason, runs=PrefectRuns())
        say(request, said(done))
        return back(f"/improvements/{ref}", "withdrawn")
    return back(f"/improvements/{ref}", "withdraw")


class Withdrawal(BaseModel):
    reason: str = Field(max_length=4000)


@router.post("/api/improvements/{ref}/withdraw")
def withdraw_json(ref: str, asked: Withdrawal, actor: Writer) -> Response:
    """Withdraw it (its owner, its process owner, a CI manager); a waiting run is cancelled."""
    done = withdraw_improvement(ref, actor=actor, reason=asked.reason, runs=PrefectRuns())
    return as_json(
        {
            "withdrawn": done.shown_id,
            "run_cancelled": done.run_cancelled,
            "run_cancel_pending": done.run_cancel_pending is not None,
        }
    )
