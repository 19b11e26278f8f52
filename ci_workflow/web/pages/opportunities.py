"""Opportunities found in the incident data and ideas from staff: ranked, with their evidence;
anyone signed in submits an idea; a CI manager or a process owner accepts one into the register
or dismisses it with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.services.intake import detection, ideas, triage
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]


@router.get("/opportunities", response_class=HTMLResponse)
def listing(request: Request, actor: Viewer) -> Response:
    found = detection.open_opportunities()
    return page(request, "opportunities.html", actor, found=found)


@router.get("/api/opportunities")
def listing_json(actor: Viewer) -> Response:
    return as_json(detection.open_opportunities())


# Before ``/opportunities/{number}``, which would read ``5.yaml`` as a number and refuse it.
@router.get("/opportunities/{number}.yaml")
def file_yaml(number: int, actor: Viewer) -> Response:
    """The improvement file accepting it would write, owned by whoever downloads it."""
    name, text = triage.opportunity_file(number, actor=actor)
    return Response(
        text,
        media_type="text/yaml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-cache",
        },
    )


@router.get("/api/opportunities/{number}/file")
def file_json(number: int, actor: Viewer) -> Response:
    name, text = triage.opportunity_file(number, actor=actor)
    return as_json({"file_name": name, "text": text})


@router.get("/opportunities/{number}", response_class=HTMLResponse)
def one(request: Request, number: int, actor: Viewer) -> Response:
    return page(request, "opportunity.html", actor, o=detection.show(number))


@router.get("/api/opportunities/{number}")
def one_json(number: int, actor: Viewer) -> Response:
    return as_json(detection.show(number))


@router.post("/opportunities/{number}/accept")
def accept(
    request: Request,
    number: int,
    actor: Viewer,
    process: Annotated[str, Form(max_length=200)] = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        shown, _ = triage.accept(number, actor=actor, process=process.strip() or None)
        say(request, f"Opportunity {number} is now {shown}, owned by you.")
        return back(f"/improvements/{shown}")
    return back(f"/opportunities/{number}")


@router.post("/opportunities/{number}/dismiss")
def dismiss(
    request: Request, number: int, actor: Viewer, reason: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        triage.dismiss(number, reason=reason, actor=actor)
        say(request, f"Opportunity {number} dismissed.")
        return back("/opportunities")
    return back(f"/opportunities/{number}")


@router.post("/ideas")
def submit_idea(
    request: Request,
    actor: Viewer,
    title: Annotated[str, Form(max_length=400)] = "",
    description: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        idea = ideas.submit(title, description, actor=actor)
        say(request, f"Idea {idea.number} submitted; you will be told when it is decided.")
        return back(f"/opportunities/{idea.number}")
    return back("/opportunities")


class Idea(BaseModel):
    title: str = Field(max_length=400)
    description: str = Field(default="", max_length=4000)


@router.post("/api/ideas")
def submit_idea_json(asked: Idea, actor: Writer) -> Response:
    return as_json(ideas.submit(asked.title, asked.description, actor=actor))


class Triage(BaseModel):
    process: str | None = Field(default=None, max_length=200)
    reason: str = Field(default="", max_length=4000)


@router.post("/api/opportunities/{number}/accept")
def accept_json(number: int, asked: Triage, actor: Writer) -> Response:
    shown, _ = triage.accept(number, actor=actor, process=asked.process)
    return as_json({"improvement": shown})


@router.post("/api/opportunities/{number}/dismiss")
def dismiss_json(number: int, asked: Triage, actor: Writer) -> Response:
    triage.dismiss(number, reason=asked.reason, actor=actor)
    return as_json({"dismissed": number})
