"""Signing in and out, invitation links, and a person's own settings (their tokens:
``tokens``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.passwords import RULES
from ci_workflow.errors import ImproveError, NotFound, SignInFailed
from ci_workflow.services.people import accounts, directory, identity, sessions
from ci_workflow.settings import get_settings
from ci_workflow.web.auth import (
    check_csrf,
    client_address,
    end_session,
    session_secret,
    start_session,
    viewer,
)
from ci_workflow.web.render import as_json, back, page, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Text = Annotated[str, Form()]


def _next(path: str) -> str:
    """Only a path of this workspace: never another site (an open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> Response:
    if get_settings().web_auth == "proxy":
        return page(
            request,
            "error.html",
            None,
            401,
            title="Sign in through the proxy",
            message="This workspace is reached through its sign-in proxy.",
        )
    return page(request, "sign_in.html", None, next=_next(next))


@router.post("/sign-in")
def sign_in(
    request: Request, email: Text = "", password: Text = "", csrf: Text = "", next: Text = "/"
) -> Response:
    check_csrf(request, csrf)
    try:
        person = identity.sign_in(email, password, channel="web", source=client_address(request))
    except SignInFailed as failed:
        return page(
            request, "sign_in.html", None, 401, next=_next(next), error=str(failed), email=email
        )
    start_session(request, person.id)
    return RedirectResponse(_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    end_session(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/invitation/{token}", response_class=HTMLResponse)
def invitation_form(request: Request, token: str) -> Response:
    try:
        person = identity.invited_person(token)
    except NotFound as gone:
        return page(request, "error.html", None, 404, title="Invitation", message=str(gone))
    return page(
        request, "invitation.html", None, person=person, token=token, password_rules_list=RULES
    )


@router.post("/invitation/{token}")
def accept_invitation(
    request: Request, token: str, password: Text = "", again: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        if password != again:
            raise SignInFailed("the two passwords differ")
        person = identity.redeem_invitation(token, password)
    except ImproveError as refused:
        say(request, str(refused), "error")
        return back(f"/invitation/{token}")
    start_session(request, person.id)
    say(request, f"Welcome, {person.name}: your password is set.")
    return back("/")


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, actor: Viewer) -> Response:
    return my_page(request, actor)


def my_page(request: Request, actor: Actor, new_token: str = "") -> Response:
    """The person's page; ``new_token``: the one just made, shown this once."""
    (mine,) = [p for p in directory.people() if actor.person and p.email == actor.person.email]
    local = get_settings().web_auth == "local"
    return page(
        request,
        "me.html",
        actor,
        profile=mine,
        local=local,
        tokens=[t for t in sessions.tokens(actor) if t.revoked_at is None],
        new_token=new_token,
        locks=accounts.my_locks(actor),
        password_rules_list=RULES,
    )


@router.post("/me")
def save_me(request: Request, actor: Viewer, notify: Text = "now", csrf: Text = "") -> Response:
    check_csrf(request, csrf, actor)
    assert actor.person is not None
    try:
        directory.set_notify(actor.person.email, notify, actor=actor)
        say(request, "Saved: " + ("one e-mail a day" if notify == "digest" else "e-mail at once"))
    except ImproveError as refused:
        say(request, str(refused), "error")
    return back("/me")


@router.post("/me/password")
def change_password(
    request: Request, actor: Viewer, current: Text = "", password: Text = "", csrf: Text = ""
) -> Response:
    check_csrf(request, csrf, actor)
    assert actor.person is not None
    try:
        identity.sign_in(actor.person.email, current, channel="web", source=client_address(request))
        identity.set_password(
            actor.person.email,
            password,
            actor=actor.name,
            channel=actor.channel,
            principal=actor.principal,
            keep_session=session_secret(request),
        )
        say(request, "Your password is changed; every other session and token of yours ended.")
    except ImproveError as refused:
        say(request, str(refused), "error")
    return back("/me")


@router.get("/api/me")
def whoami(actor: Viewer) -> Response:
    assert actor.person is not None
    return as_json(
        {
            "name": actor.person.name,
            "email": actor.person.email,
            "roles": sorted(str(g) for g in actor.person.grants),
            "password_rules": list(RULES),
        }
    )
