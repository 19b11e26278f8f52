"""My work: the gates waiting for my decision, my improvements, my plan actions, my objectives
off track."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.services.views.my_work import my_work
from ci_workflow.web.auth import viewer
from ci_workflow.web.render import as_json, page

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]


@router.get("/", response_class=HTMLResponse)
def work(request: Request, actor: Viewer) -> Response:
    assert actor.person is not None
    return page(request, "work.html", actor, work=my_work(actor.person))


@router.get("/api/my-work")
def work_json(actor: Viewer) -> Response:
    assert actor.person is not None
    return as_json(my_work(actor.person))
