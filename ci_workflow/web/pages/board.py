"""The board: the register by stage at a glance, each stage with its count and its cards (what
holds each one up), filtered by process, service, owner and "mine" in a plain GET form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.schemas import Board
from ci_workflow.services.views.board import PER_COLUMN, board
from ci_workflow.web.auth import viewer
from ci_workflow.web.render import as_json, page

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Filter = Annotated[str | None, Query(max_length=200)]
PerColumn = Annotated[int, Query(ge=1, le=200)]


def _board(
    actor: Actor,
    process: str | None,
    service: str | None,
    owner: str | None,
    mine: bool,
    ended: bool,
    per: int,
) -> Board:
    assert actor.person is not None
    return board(
        actor.person,
        process=process or None,
        service=service or None,
        owner=owner or None,
        mine=mine,
        ended=ended,
        per_column=per,
    )


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    actor: Viewer,
    process: Filter = None,
    service: Filter = None,
    owner: Filter = None,
    mine: bool = False,
    ended: bool = False,
    per: PerColumn = PER_COLUMN,
) -> Response:
    shown = _board(actor, process, service, owner, mine, ended, per)
    filters = {"process": process or "", "service": service or "", "owner": owner or ""}
    return page(request, "board.html", actor, board=shown, filters=filters, mine=mine, ended=ended)


@router.get("/api/board")
def board_json(
    actor: Viewer,
    process: Filter = None,
    service: Filter = None,
    owner: Filter = None,
    mine: bool = False,
    ended: bool = False,
    per: PerColumn = PER_COLUMN,
) -> Response:
    return as_json(_board(actor, process, service, owner, mine, ended, per))
