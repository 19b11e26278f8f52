"""People (a CI manager's pages): everyone, adding a person (roles picked from the known roles
and scopes; a refused form comes back as typed, every problem beside its field), a person's
page (roles, lock, sign-ins, sessions and tokens; change roles, lift a lock), deactivating
(never oneself) and sending a sign-in invitation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.passwords import RULES
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.errors import ImproveError, NotAuthorised
from ci_workflow.services.people import accounts, directory
from ci_workflow.services.people.refusals import require
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]
# The roles ticked: ``ci_manager``, ``process_owner:Incident Management``...
Picked = Annotated[list[str], Form(max_length=500)]


def _manager(actor: Actor) -> None:
    may = actor.person is not None and allowed(Action.manage_people, actor.person)
    require(may, actor, f"{actor.name} may not manage people: only a CI manager may")


def _roles(text: str) -> list[str]:
    """One role a line (or comma-separated): ``process_owner:Incident Management``."""
    return [r.strip() for line in text.splitlines() for r in line.split(",") if r.strip()]


def _picked(grant: list[str], new_role: str, new_scope: str) -> list[str]:
    """The roles ticked, and the role ``new_role`` for each scope typed (comma-separated)."""
    typed = [s.strip() for s in new_scope.split(",") if s.strip()]
    return [*grant, *(f"{new_role.strip()}:{scope}" for scope in typed)]


def _people_page(request: Request, actor: Actor, status: int = 200, **form: Any) -> Response:
    empty = {"name": "", "email": "", "grants": [], "new_role": "", "new_scope": ""}
    return page(
        request,
        "people.html",
        actor,
        status,
        everyone=directory.people(),
        choices=accounts.role_choices(),
        form={**empty, **form.get("form", {})},
        problems=form.get("problems", {}),
        password_rules_list=RULES,
    )


@router.get("/people", response_class=HTMLResponse)
def listing(request: Request, actor: Viewer) -> Response:
    _manager(actor)
    return _people_page(request, actor)


@router.get("/api/people")
def listing_json(actor: Viewer) -> Response:
    _manager(actor)
    return as_json(directory.people())


@router.get("/api/people/roles")
def roles_json(actor: Viewer) -> Response:
    """The roles and the known scopes the forms offer."""
    _manager(actor)
    return as_json(accounts.role_choices())


@router.post("/people")
def add(
    request: Request,
    actor: Viewer,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    grant: Picked = [],  # noqa: B006 (FastAPI copies a default)
    new_role: Annotated[str, Form(max_length=64)] = "",
    new_scope: Text = "",
    roles: Text = "",
    csrf: Text = "",
) -> Response:
    """``grant``, ``new_role`` and ``new_scope`` from the form; ``roles``: typed as text."""
    check_csrf(request, csrf, actor)
    wanted = [*_picked(grant, new_role, new_scope), *_roles(roles)]
    problems = directory.new_person_problems(name, email=email, roles=wanted, actor=actor)
    if not problems:
        try:
            added, _ = directory.add_person(name, email=email, roles=wanted, actor=actor)
            say(request, f"{added} added.")
            return back("/people")
        except NotAuthorised:
            raise
        except ImproveError as refused:  # registered meanwhile
            problems = {"email": [str(refused)]}
    typed = {"name": name, "email": email, "grants": grant, "new_role": new_role}
    typed["new_scope"] = new_scope
    return _people_page(request, actor, 422, form=typed, problems=problems)


@router.get("/people/{ref}", response_class=HTMLResponse)
def person(request: Request, ref: str, actor: Viewer) -> Response:
    account = accounts.person_account(ref, actor=actor)
    return page(request, "person.html", actor, account=account, choices=accounts.role_choices())


@router.get("/api/people/{ref}")
def person_json(ref: str, actor: Viewer) -> Response:
    return as_json(accounts.person_account(ref, actor=actor))


@router.post("/people/{ref}/unlock")
def unlock(request: Request, ref: str, actor: Viewer, csrf: Text = "") -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        say(request, f"{accounts.lift_lock(ref, actor=actor)} may sign in again.")
    return back(f"/people/{ref}")


@router.post("/api/people/{ref}/unlock")
def unlock_json(ref: str, actor: Writer) -> Response:
    return as_json({"unlocked": accounts.lift_lock(ref, actor=actor)})


def _back_to(path: str) -> str:
    """Only a People page: the list, or a person's."""
    return path if path == "/people" or path.startswith("/people/") else "/people"


@router.post("/people/{email}")
def edit(
    request: Request,
    email: str,
    actor: Viewer,
    roles: Text = "",
    grant: Picked = [],  # noqa: B006 (FastAPI copies a default)
    new_role: Annotated[str, Form(max_length=64)] = "",
    new_scope: Text = "",
    picked: Annotated[str, Form(max_length=1)] = "",
    action: Annotated[str, Form(max_length=16)] = "roles",
    back_to: Annotated[str, Form(max_length=400)] = "/people",
    csrf: Text = "",
) -> Response:
    """``action``: roles (replace them: those ticked when ``picked``, else ``roles`` as text),
    deactivate, or invite."""
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        if action == "deactivate":
            say(request, f"{directory.deactivate(email, actor=actor)} deactivated.")
        elif action == "invite":
            say(request, f"Invitation sent to {directory.invite(email, actor=actor)}.")
        else:
            wanted = _picked(grant, new_role, new_scope) if picked else _roles(roles)
            changed = directory.edit_person(email, actor=actor, roles=wanted)
            say(request, f"{changed.name}: {', '.join(changed.roles) or 'no roles'}.")
    return back(_back_to(back_to))


class PersonChange(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    roles: list[str] | None = Field(default=None, max_length=50)


@router.post("/api/people")
def add_json(asked: PersonChange, actor: Writer) -> Response:
    name, email, roles = asked.name or "", asked.email or "", asked.roles or []
    problems = directory.new_person_problems(name, email=email, roles=roles, actor=actor)
    if problems:
        return as_json({"error": "the person was not added", "problems": problems}, 422)
    added, grants = directory.add_person(name, email=email, roles=roles, actor=actor)
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
