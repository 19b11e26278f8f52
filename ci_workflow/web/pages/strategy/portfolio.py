"""The portfolio (``/portfolio``, JSON at ``/api/portfolio``): per strategic objective the
improvements serving it by stage and its key results' progress, objectives nobody serves,
and programmes' estimated cost against their budget. Everyone signed in sees it, as they see
every improvement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.reports.benefit_chart import benefits_chart
from ci_workflow.services.register.strategy.plan import accepted_plans
from ci_workflow.services.register.strategy.portfolio import portfolio as read
from ci_workflow.web.auth import viewer
from ci_workflow.web.render import as_json, page

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio(request: Request, actor: Viewer) -> Response:
    view = read()
    return page(
        request,
        "portfolio.html",
        actor,
        view=view,
        stages=[s.value for s in Status],
        accepted=accepted_plans(5),
        benefits_chart=Markup(benefits_chart(view.benefits)),  # pygal's SVG, no script
    )


@router.get("/api/portfolio")
def portfolio_json(actor: Viewer) -> Response:
    return as_json(read())
