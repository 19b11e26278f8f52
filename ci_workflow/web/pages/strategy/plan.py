"""The plan form of ``/portfolio`` (``/portfolio/plan``; JSON at ``/api/portfolio/plan``): a
budget, team hours, a quarter and a measure give the proposal of ``improve portfolio plan``,
chosen set and what is left out and why; a CI manager accepts it (``POST
/portfolio/plan/accept`` with the form's CSRF token, or ``POST /api/portfolio/plan/accept``),
which the audit records as a decision. Everyone signed in may ask for a proposal; the Accept
button is shown to CI managers only, and anyone else's acceptance is refused and audited."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Bounded

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.strategy.plan import Measure
from ci_workflow.errors import ImproveError, UsageError
from ci_workflow.services.register.strategy import plan as service
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, form_number, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Field = Annotated[str, Form(max_length=32)]


def _amount(name: str, text: str) -> float | None:
    return form_number(name, text) if text.strip() else None


def _ask(budget: str, hours: str, quarter: str, measure: str) -> service.Ask:
    if measure not in {m.value for m in Measure}:
        raise UsageError(f"measure: {measure!r} is neither value nor wsjf")
    return service.Ask(
        measure=Measure(measure),
        budget=_amount("budget", budget),
        hours=_amount("hours", hours),
        quarter=quarter.strip() or None,
    )


def _said(error: Exception) -> str:
    """A CLI's message as the form says it: the fields, not the options."""
    return str(error).splitlines()[0].replace("--", "")


@router.get("/portfolio/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    actor: Viewer,
    budget: str = "",
    hours: str = "",
    quarter: str = "",
    measure: str = "value",
) -> Response:
    asked = {"budget": budget, "hours": hours, "quarter": quarter, "measure": measure}
    proposal, problem = None, ""
    try:
        proposal = service.propose(_ask(budget, hours, quarter, measure))
    except ImproveError as error:
        problem = _said(error)
    me = actor.person
    return page(
        request,
        "portfolio_plan.html",
        actor,
        status_code=422 if problem else 200,
        asked=asked,
        proposal=proposal,
        problem=problem,
        quarters=service.capacity_quarters(),
        may_accept=me is not None and allowed(Action.accept_portfolio_plan, me),
    )


@router.post("/portfolio/plan/accept")
def accept_plan(
    request: Request,
    actor: Viewer,
    budget: Field = "",
    hours: Field = "",
    quarter: Field = "",
    measure: Field = "value",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        found = service.accept(_ask(budget, hours, quarter, measure), actor=actor)
        chosen = ", ".join(i.id for i in found.chosen) or "none"
        say(request, f"Plan accepted and recorded in the audit: {chosen}")
    asked = {"budget": budget, "hours": hours, "quarter": quarter, "measure": measure}
    return back("/portfolio/plan?" + urlencode(asked), "proposal")


class PlanAsked(BaseModel):
    """What a plan is asked for through the API: as the CLI's options."""

    model_config = ConfigDict(extra="forbid")

    budget: float | None = None
    hours: float | None = None
    quarter: str | None = Bounded(default=None, max_length=16)
    measure: Measure = Measure.value


@router.get("/api/portfolio/plan")
def plan_json(
    actor: Viewer,
    budget: float | None = None,
    hours: float | None = None,
    quarter: str | None = None,
    measure: Measure = Measure.value,
) -> Response:
    """The proposal for ``budget``, ``hours``, ``quarter`` and ``measure`` (``value`` or
    ``wsjf``), as ``improve portfolio plan --json``; bad input is a 400 with the problem."""
    return as_json(service.propose(service.Ask(measure, budget, hours, quarter or None)))


@router.post("/api/portfolio/plan/accept")
def accept_json(asked: PlanAsked, actor: Writer) -> Response:
    """Accepts the proposal for what the body asks (a CI manager): recorded in the audit as a
    decision; answers the plan accepted. Anyone else: 403, audited."""
    ask = service.Ask(asked.measure, asked.budget, asked.hours, asked.quarter or None)
    return as_json(service.accept(ask, actor=actor))
