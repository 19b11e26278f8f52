"""Who is asking: the person signed in (a session cookie), a personal token (the API), or the
person a trusted reverse proxy names; and the CSRF check every form passes.

A session lasts while it is used: unused for IMPROVE_SESSION_IDLE_MINUTES it signs out. A person
deactivated meanwhile is signed out at their next request.
"""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import Request

from ci_workflow.domain.actors import Actor, signed_in
from ci_workflow.services.people import identity
from ci_workflow.services.people.refusals import refuse
from ci_workflow.settings import get_settings


class SignInRequired(Exception):
    """Raised when a page needs a signed-in person and there is none (or the session ended)."""


class Forbidden(Exception):
    """Raised for a request that is refused outright (a form without its CSRF token)."""


def viewer(request: Request) -> Actor:
    """The person asking, as verified; raises ``SignInRequired`` when nobody is."""
    settings = get_settings()
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        person = identity.token_person(authorization[7:].strip())
        if person is None:
            raise SignInRequired("the token is not valid (revoked, or its person deactivated)")
        return signed_in(person, "api")
    if settings.web_auth == "proxy":
        return _proxied(request)
    person_id = request.session.get("person")
    seen = float(request.session.get("seen", 0))
    if person_id is None:
        raise SignInRequired("sign in to continue")
    if time.time() - seen > settings.session_idle_minutes * 60:
        request.session.clear()
        raise SignInRequired("your session ended after a while unused: sign in again")
    person = identity.active_person(int(person_id))
    if person is None:
        request.session.clear()
        raise SignInRequired("sign in to continue")
    request.session["seen"] = time.time()
    return signed_in(person)


def _proxied(request: Request) -> Actor:
    settings = get_settings()
    client = request.client.host if request.client else ""
    email = request.headers.get(settings.proxy_email_header, "").strip()
    if client not in settings.proxies or not email:
        raise SignInRequired("this workspace is reached through its sign-in proxy")
    person = identity.proxied_person(email)
    if person is None:
        raise SignInRequired(f"{email} is not an active person of the register")
    return signed_in(person)


def start_session(request: Request, person_id: int) -> None:
    """A new session (a new CSRF token too): nothing of an earlier one carries over."""
    request.session.clear()
    request.session.update(person=person_id, seen=time.time(), csrf=secrets.token_urlsafe(32))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf(request: Request, sent: str, actor: Actor | None = None) -> None:
    """A form must carry the token of its session; an API call with a token needs none (no
    cookie, so no other site can make a browser send it)."""
    if actor is not None and actor.channel == "api":
        return
    expected = request.session.get("csrf", "")
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        if actor is not None:
            refuse(actor, f"a form without a valid CSRF token was refused ({request.url.path})")
        raise Forbidden("the form is out of date or did not come from this workspace")


def api_writer(request: Request) -> Actor:
    """The person behind a write through the JSON API: a token needs no more; a browser's
    session must send its CSRF token in the ``X-CSRF-Token`` header."""
    actor = viewer(request)
    if actor.channel != "api":
        check_csrf(request, request.headers.get("x-csrf-token", ""), actor)
    return actor
