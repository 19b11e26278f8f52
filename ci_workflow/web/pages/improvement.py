"""One improvement: its definition, objectives with their charts, plan, gates, audit trail and
reports, the decision form when (and only when) the person looking may decide, and, until its
plan is approved, the lessons of the closed improvements most like it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.errors import GateError, NotFound, UsageError
from ci_workflow.orchestration.runs import PrefectRuns
from ci_workflow.services.lifecycle.decide import already_decided, send_decision
from ci_workflow.services.register.plan_actions import KEEP, ActionChange, update_action
from ci_workflow.services.register.strategy.benefit_views import benefits_page
from ci_workflow.services.reporting.files import saved_report
from ci_workflow.services.reporting.lessons import similar_improvements
from ci_workflow.services.reporting.review import review_report
from ci_workflow.services.views.discussion import discussion_of
from ci_workflow.services.views.improvement_acts import improvement_acts
from ci_workflow.services.views.improvement_page import improvement_page, objective_chart_svg
from ci_workflow.services.views.waiting_gates import waiting_at
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]
# A report may draw inline SVG and styles, but run no script and reach nothing outside.
REPORT_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
)


def improvement_context(ref: str, actor: Actor) -> dict[str, Any]:
    """Everything the improvement page shows: for the page, and for a form sent back to it."""
    return {
        "view": improvement_page(ref, actor),
        "similar": similar_improvements(ref),
        "discussion": discussion_of(ref, actor),  # comments, attachments, watchers
        "acts": improvement_acts(ref, actor),  # recording values, withdrawing
        "benefits": benefits_page(ref, actor),  # forecast vs actual, record, validate
    }


@router.get("/improvements/{ref}", response_class=HTMLResponse)
def improvement(request: Request, ref: str, actor: Viewer) -> Response:
    return page(request, "improvement.html", actor, **improvement_context(ref, actor))


@router.get("/improvements/{ref}/charts/{metric}.svg")
def chart(request: Request, ref: str, metric: str, actor: Viewer) -> Response:
    """An objective's chart, its own request: the page does not wait for it, and the browser
    keeps it until the data change (its ETag)."""
    svg, tag = objective_chart_svg(ref, metric)
    headers = {"ETag": f'"{tag}"', "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == f'"{tag}"':
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/api/improvements/{ref}")
def improvement_json(ref: str, actor: Viewer) -> Response:
    """The page's facts; ``similar`` is null once the plan is approved."""
    view = improvement_page(ref, actor)
    acts = improvement_acts(ref, actor)
    return as_json({**dict(view), "similar": similar_improvements(ref), "acts": acts})


class Decision(BaseModel):
    decision: str = Field(max_length=16)
    gate: str | None = Field(default=None, max_length=32)  # the gate the form was made for
    comment: str = Field(default="", max_length=4000)
    lessons: str = Field(default="", max_length=4000)
    realised_gain: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    actual_cost: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    confirm: bool = False  # read the gate's warnings: completing or signing off over them


def _decide(ref: str, asked: Decision, actor: Actor) -> str:
    said = already_decided(ref, asked.gate, actor) if asked.gate else None
    if said is not None:  # the form of a gate this person decided: a second click
        raise GateError(said)
    waiting = waiting_at(ref)  # where it waits, not the whole page
    if waiting.gate is None:
        raise NotFound(f"{waiting.shown_id} is not waiting at any gate")
    if asked.gate and asked.gate != waiting.key:
        raise NotFound(
            f"the form was for {asked.gate}; {waiting.shown_id} now waits at {waiting.key}"
        )
    # Only what was filled in: each gate's form takes its own fields, and nothing more.
    fields = {
        k: v
        for k, v in asked.model_dump(exclude={"decision", "gate", "confirm"}).items()
        if v not in (None, "")
    }
    sent = send_decision(
        ref,
        waiting.gate,
        asked.decision,
        actor=actor,
        runs=PrefectRuns(),
        confirm=asked.confirm,
        **fields,
    )
    return f"{sent.shown_id}: {asked.decision} sent to {sent.key}; the flow continues"


@router.post("/improvements/{ref}/decide")
def decide(
    request: Request,
    ref: str,
    actor: Viewer,
    decision: Annotated[str, Form(max_length=16)] = "",
    gate: Annotated[str, Form(max_length=32)] = "",
    comment: Text = "",
    lessons: Text = "",
    realised_gain: Annotated[str, Form(max_length=32)] = "",
    actual_cost: Annotated[str, Form(max_length=32)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request, ValueError):
        asked = Decision(
            confirm=confirm == "yes",
            decision=decision,
            gate=gate or None,
            comment=comment,
            lessons=lessons,
            realised_gain=float(realised_gain) if realised_gain.strip() else None,
            actual_cost=float(actual_cost) if actual_cost.strip() else None,
        )
        say(request, _decide(ref, asked, actor))
    return back(f"/improvements/{ref}", "decide")


@router.post("/api/improvements/{ref}/decisions")
def decide_json(ref: str, asked: Decision, actor: Writer) -> Response:
    return as_json({"sent": _decide(ref, asked, actor)})


@router.post("/improvements/{ref}/plan/{position}")
def plan_action(
    request: Request,
    ref: str,
    position: int,
    actor: Viewer,
    status: Annotated[str, Form(max_length=16)] = "",
    assignee: Annotated[str | None, Form(max_length=200)] = None,
    due: Annotated[str | None, Form(max_length=10)] = None,
    csrf: Text = "",
) -> Response:
    """The plan's row: its status (the assignee's form), and its assignee and due date (an
    editor's); a field the form did not send stays as it is, an empty due date clears it."""
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        if due is None:
            change = ActionChange(status=status or None, assignee=assignee)
        else:
            change = ActionChange(status or None, assignee, _date("due", due))
        say(request, update_action(ref, position, change, actor=actor))
    return back(f"/improvements/{ref}", "plan")


def _date(field: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{field}: {text.strip()!r} is not a date (YYYY-MM-DD)") from None


class ActionUpdate(BaseModel):
    """What to change of a plan action; a field left out stays as it is (``due`` null clears
    the due date)."""

    status: str | None = Field(default=None, max_length=16)
    assignee: str | None = Field(default=None, max_length=200)
    due: date | None = None


@router.post("/api/improvements/{ref}/plan/{position}")
def plan_action_json(ref: str, position: int, asked: ActionUpdate, actor: Writer) -> Response:
    due = asked.due if "due" in asked.model_fields_set else KEEP
    change = ActionChange(asked.status, asked.assignee, due)
    return as_json({"changed": update_action(ref, position, change, actor=actor)})


@router.get("/improvements/{ref}/report", response_class=HTMLResponse)
def live_report(ref: str, actor: Viewer) -> Response:
    """The review report as of now (interim before the review), shown in the page's frame."""
    return HTMLResponse(
        review_report(ref, "html"), headers={"Content-Security-Policy": REPORT_POLICY}
    )


@router.get("/reports/{report_id}")
def report_file(report_id: int, actor: Viewer) -> Response:
    """A report the register saved (HTML or Markdown), as it was sent."""
    found = saved_report(report_id)
    media = "text/html" if found.format == "html" else "text/markdown"
    content = Path(found.path).read_text(encoding="utf-8")
    return Response(
        content,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Security-Policy": REPORT_POLICY},
    )
