"""Staying signed in: a browser's session and a personal API token (``improve login``). Each is
a secret whose SHA-256 the register keeps, so the server can end it: sign-out ends the session,
a password change every other session and every token of its person, a token expires after
IMPROVE_TOKEN_DAYS, and its person or a CI manager revokes it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import NotFound
from ci_workflow.schemas import TokenPublic
from ci_workflow.services.people.identity import digest
from ci_workflow.services.people.refusals import require
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.people.identity import (
    forget_sessions,
    session_by_hash,
    token_by_hash,
    tokens_of,
)
from ci_workflow.store.people.people import get_person, person_view
from ci_workflow.store.tables import ApiToken, Person, WebSession

# Last use is written to this precision: a busy browser or client writes little.
SEEN_EVERY = timedelta(minutes=5)


def start_session(person_id: int) -> str:
    """A new browser session; its secret goes in the signed cookie, its hash in the register."""
    secret, now = secrets.token_urlsafe(32), utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    with transaction() as session:
        forget_sessions(session, unused_since=now - idle - SEEN_EVERY)
        session.add(WebSession(person_id=person_id, token_sha256=digest(secret), last_seen_at=now))
    return secret


def session_person(secret: str) -> PersonView | None:
    """The active person whose session this is, while it holds (not ended, not unused longer
    than IMPROVE_SESSION_IDLE_MINUTES)."""
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    with transaction(write=False) as session:
        found = session_by_hash(session, digest(secret))
        if found is None or now - found.last_seen_at > idle + SEEN_EVERY:
            return None
        view, stale = person_view(session, found.person_id), now - found.last_seen_at > SEEN_EVERY
    if stale:
        with transaction() as session:
            kept = session.get(WebSession, found.id)
            if kept is not None:
                kept.last_seen_at = now
                session.add(kept)
    return view if view is not None and view.active else None


def end_session(secret: str) -> None:
    """Sign-out: the session's cookie stops working, wherever a copy of it is."""
    with transaction() as session:
        found = session_by_hash(session, digest(secret))
        if found is not None:
            found.ended_at = utcnow()
            session.add(found)


def issue_token(actor: Actor, label: str) -> str:
    """A personal API token, valid IMPROVE_TOKEN_DAYS; only its hash is kept."""
    token, now = "imp_" + secrets.token_urlsafe(32), utcnow()
    days, person = get_settings().token_days, actor.person
    assert person is not None, "a token is a person's"
    with transaction() as session:
        session.add(
            ApiToken(
                person_id=person.id,
                token_sha256=digest(token),
                label=label[:200],
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
        _audit(session, actor, "token_issued", f"{label[:200]} ({days} days)")
    return token


def token_person(token: str) -> PersonView | None:
    """The active person a token belongs to, if it is neither revoked nor expired."""
    now = utcnow()
    with transaction(write=False) as session:
        found = token_by_hash(session, digest(token), now=now)
        if found is None:
            return None
        view = person_view(session, found.person_id)
        stale = found.last_used_at is None or now - found.last_used_at > SEEN_EVERY
    if stale:
        with transaction() as session:
            kept = session.get(ApiToken, found.id)
            if kept is not None:
                kept.last_used_at = now
                session.add(kept)
    return view if view is not None and view.active else None


def revoke_current(token: str, *, actor: Actor) -> None:
    """``improve logout``: the token in hand stops working."""
    with transaction() as session:
        found = token_by_hash(session, digest(token), now=utcnow())
        if found is None:
            raise NotFound("this token is not valid (revoked or expired)")
        found.revoked_at = utcnow()
        session.add(found)
        _audit(session, actor, "token_revoked", f"{found.label!r} (the token in use)")


def tokens(actor: Actor, email: str | None = None) -> list[TokenPublic]:
    """The tokens of the person ``email`` names (by default the actor): their own, or any
    person's for a CI manager (asked first: whether an address is known is theirs to see)."""
    me = actor.person
    asked = email or (me.email if me else "")
    if me is None or asked.casefold() != me.email.casefold():
        _require_theirs(actor, None, asked)
    with transaction(write=False) as session:
        person = get_person(session, asked)
        return [_public(t) for t in tokens_of(session, person.id or 0)]


def revoke_token(actor: Actor, token_id: int) -> None:
    """Revoke one token: its person, or a CI manager."""
    with transaction(write=False) as session:
        found = session.get(ApiToken, token_id)
        owner = session.get(Person, found.person_id) if found is not None else None
        if found is None or owner is None:
            raise NotFound(f"no token {token_id}")
    _require_theirs(actor, owner.id or 0, owner.name)
    with transaction() as session:
        kept = session.get(ApiToken, token_id)
        if kept is not None and kept.revoked_at is None:
            kept.revoked_at = utcnow()
            session.add(kept)
            why = f"{owner.name}'s {kept.label!r} (token {token_id})"
            _audit(session, actor, "token_revoked", why)


def _require_theirs(actor: Actor, person_id: int | None, name: str) -> None:
    person = actor.person
    mine = person is not None and person_id is not None and person.id == person_id
    manages = person is not None and allowed(Action.manage_people, person)
    require(mine or manages, actor, f"{actor.name} may not see or revoke {name}'s tokens")


def _public(token: ApiToken) -> TokenPublic:
    return TokenPublic(
        id=token.id or 0,
        label=token.label,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )


def _audit(session: Session, actor: Actor, action: str, detail: str) -> None:
    record_act(
        session,
        actor,
        improvement_id=None,
        action=action,
        detail=detail,
    )
