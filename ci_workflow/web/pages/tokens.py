"""Personal API tokens: made by ``improve login`` against a password (or on one's page behind
the sign-in proxy, where no password is believed), listed and revoked by their person or a CI
manager, and revoked by ``improve logout`` with the token in hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor, signed_in
from ci_workflow.errors import SignInFailed
from ci_workflow.services.people import identity, sessions
from ci_workflow.settings import get_settings
from ci_workflow.web.auth import (
    Forbidden,
    SignInRequired,
    api_writer,
    check_csrf,
    client_address,
    viewer,
)
from ci_workflow.web.pages.account import my_page
from ci_workflow.web.render import as_json, back, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Text = Annotated[str, Form()]


class TokenRequest(BaseModel):
    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=1000)
    label: str = Field(default="improve login", max_length=200)


@router.post("/api/tokens")
def new_token(request: Request, asked: TokenRequest) -> Response:
    """``improve login``: a personal token for the CLI, against the person's password."""
    if get_settings().web_auth == "proxy":
        return as_json(
            {
                "error": "behind the sign-in proxy no password makes a token: make one on your "
                "page of the workspace (/me)"
            },
            403,
        )
    try:
        person = identity.sign_in(
            asked.email, asked.password, channel="api", source=client_address(request)
        )
    except SignInFailed as failed:
        return as_json({"error": str(failed)}, 401)
    token = sessions.issue_token(signed_in(person, "api"), asked.label)
    return as_json({"token": token, "person": person.name, "email": person.email})


@router.get("/api/tokens")
def list_tokens(actor: Viewer, email: str | None = None) -> Response:
    """One's own tokens, or (a CI manager) the tokens of the person ``email`` names."""
    listed = sessions.tokens(actor, email)
    return as_json({"tokens": [t.model_dump(mode="json") for t in listed]})


@router.delete("/api/tokens/current")
def revoke_current(request: Request) -> Response:
    """``improve logout``: the token that asks stops working."""
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith("bearer "):
        raise SignInRequired("send the token to revoke (Authorization: Bearer ...)")
    actor = viewer(request)
    sessions.revoke_current(authorization[7:].strip(), actor=actor)
    return as_json({"revoked": True})


@router.delete("/api/tokens/{token_id}")
def revoke(request: Request, token_id: int) -> Response:
    actor = api_writer(request)
    sessions.revoke_token(actor, token_id)
    return as_json({"revoked": True})


@router.post("/me/tokens")
def make_token(request: Request, actor: Viewer, label: Text = "", csrf: Text = "") -> Response:
    """A token made on one's page, shown this once (the register keeps only its hash)."""
    check_csrf(request, csrf, actor)
    if actor.channel == "api":  # else a token would outlive its days by making its successor
        raise Forbidden("a token makes no other token: sign in to make one")
    token = sessions.issue_token(actor, label.strip() or "made on my page")
    return my_page(request, actor, new_token=token)


@router.post("/me/tokens/{token_id}/revoke")
def revoke_from_page(request: Request, actor: Viewer, token_id: int, csrf: Text = "") -> Response:
    check_csrf(request, csrf, actor)
    sessions.revoke_token(actor, token_id)
    say(request, "The token is revoked.")
    return back("/me")
