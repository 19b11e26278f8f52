"""People (a CI manager's page): add, edit roles, deactivate, send a sign-in invitation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ci_workflow.domain.actors import Actor
from ci_workflow.domain.permissions import Action, allowed
from ci_workflow.domain.vocabulary import Role
from ci_workflow.errors import ImproveError, NotAuthorised
from ci_workflow.services.people import directory
from ci_workflow.services.people.refusals import require
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]


def _manager(actor: Actor) -> None:
    may = actor.person is not None and allowed(Action.manage_people, actor.person)
    require(may, actor, f"{actor.name} may not manage people: only a CI manager may")


def _roles(text: str) -> list[str]:
    """One role a line (or comma-separated): ``process_owner:Incident Management``."""
    return [r.strip() for line in text.splitlines() for r in line.split(",") if r.strip()]


@router.get("/people", response_class=HTMLResponse)
def listing(request: Request, actor: Viewer) -> Response:
    _manager(actor)
    return page(request, "people.html", actor, everyone=directory.people(), roles=list(Role))


@router.get("/api/people")
def listing_json(actor: Viewer) -> Response:
    _manager(actor)
    return as_json(directory.people())


@router.post("/people")
def add(
    request: Request,
    actor: Viewer,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    roles: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    _manager(actor)
    try:
        added, _ = directory.add_person(name, email=email, roles=_roles(roles), actor=actor)
        say(request, f"{added} added.")
    except NotAuthorised:
        raise
    except ImproveError as refused:
        say(request, str(refused), "error")
    return back("/people")


@router.post("/people/{email}")
def edit(
    request: Request,
    email: str,
    actor: Viewer,
    roles: Text = "",
    action: Annotated[str, Form(max_length=16)] = "roles",
    csrf: Text = "",
) -> Response:
    """``action``: roles (replace them), deactivate, or invite."""
    check_csrf(request, csrf, actor)
    try:
        if action == "deactivate":
            say(request, f"{directory.deactivate(email, actor=actor)} deactivated.")
        elif action == "invite":
            say(request, f"Invitation sent to {directory.invite(email, actor=actor)}.")
        else:
            changed = directory.edit_person(email, actor=actor, roles=_roles(roles))
            say(request, f"{changed.name}: {', '.join(changed.roles) or 'no roles'}.")
    except NotAuthorised:
        raise
    except ImproveError as refused:
        say(request, str(refused), "error")
    return back("/people")


class PersonChange(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    roles: list[str] | None = Field(default=None, max_length=50)


@router.post("/api/people")
def add_json(asked: PersonChange, actor: Writer) -> Response:
    added, grants = directory.add_person(
        asked.name or "", email=asked.email or "", roles=asked.roles or [], actor=actor
    )
    return as_json({"added": added, "roles": [str(g) for g in grants]})


@router.post("/api/people/{email}")
def edit_json(email: str, asked: PersonChange, actor: Writer) -> Response:
    return as_json(
        directory.edit_person(
            email, actor=actor, name=asked.name, email=asked.email, roles=asked.roles
        )
    )


@router.post("/api/people/{email}/deactivate")
def deactivate_json(email: str, actor: Writer) -> Response:
    return as_json({"deactivated": directory.deactivate(email, actor=actor)})
