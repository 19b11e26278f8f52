"""Who is asking: the person signed in (a session cookie), a personal token (the API), or the
person a trusted reverse proxy names; from which address; and the CSRF check every form passes.

A session lasts while it is used: unused for IMPROVE_SESSION_IDLE_MINUTES it signs out. Its
cookie carries a secret the register knows, so the server ends it (sign-out, a password change)
wherever a copy of the cookie is. A person deactivated meanwhile is signed out at their next
request.

A proxy is believed by the address that connects (the TCP peer), never by what a header says;
the address of whoever asks is then the right-most one of X-Forwarded-For that is not a trusted
proxy's (a proxy appends the address it saw, whatever the client sent before it).
"""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import Request

from ci_workflow.domain.authority.actors import Actor, signed_in
from ci_workflow.services.people import identity, sessions
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
        person = sessions.token_person(authorization[7:].strip())
        if person is None:
            raise SignInRequired(
                "the token is not valid (expired, revoked, or its person deactivated)"
            )
        return signed_in(person, "api")
    if settings.web_auth == "proxy":
        return _proxied(request)
    secret = request.session.get("sid")
    seen = float(request.session.get("seen", 0))
    if not secret:
        raise SignInRequired("sign in to continue")
    if time.time() - seen > settings.session_idle_minutes * 60:
        request.session.clear()
        raise SignInRequired("your session ended after a while unused: sign in again")
    person = sessions.session_person(str(secret))
    if person is None:
        request.session.clear()
        raise SignInRequired("your session ended: sign in again")
    request.session["seen"] = time.time()
    return signed_in(person)


def _proxied(request: Request) -> Actor:
    settings = get_settings()
    peer = request.client.host if request.client else ""
    email = request.headers.get(settings.proxy_email_header, "").strip()
    if peer not in settings.proxies or not email:
        raise SignInRequired("this workspace is reached through its sign-in proxy")
    person = identity.proxied_person(email)
    if person is None:
        raise SignInRequired(f"{email} is not an active person of the register")
    return signed_in(person)


def client_address(request: Request) -> str:
    """The address of whoever asks: the peer, or behind a trusted proxy (IMPROVE_TRUSTED_PROXIES,
    else one on 127.0.0.1) the right-most X-Forwarded-For address that is not a proxy's."""
    peer = request.client.host if request.client else ""
    proxies = get_settings().proxies or frozenset({"127.0.0.1"})
    if peer not in proxies:
        return peer or "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    for address in reversed([a.strip() for a in forwarded if a.strip()]):
        if address not in proxies:
            return address[:100]
    return peer


def start_session(request: Request, person_id: int) -> None:
    """A new session (a new CSRF token too): nothing of an earlier one carries over."""
    end_session(request)
    secret = sessions.start_session(person_id)
    request.session.update(sid=secret, seen=time.time(), csrf=secrets.token_urlsafe(32))


def end_session(request: Request) -> None:
    """Sign-out: the session ends on the server, so no copy of its cookie works any longer."""
    secret = request.session.get("sid")
    if secret:
        sessions.end_session(str(secret))
    request.session.clear()


def session_secret(request: Request) -> str:
    """The secret of this browser's session ("" for a token or the proxy)."""
    return str(request.session.get("sid", ""))


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
