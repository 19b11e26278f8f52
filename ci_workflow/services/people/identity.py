"""Proving who someone is to the workspace: passwords (argon2), sign-in with lock-out after
repeated failures, one-time invitation links, personal API tokens, and the trusted proxy's
word. Sign-ins and their failures are audit events.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from ci_workflow.domain.actors import Channel
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.people import PersonView
from ci_workflow.errors import NotFound, SignInFailed, UsageError
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.identity import invitation_by_hash, token_by_hash
from ci_workflow.store.people import find_person, get_person, person_view
from ci_workflow.store.tables import ApiToken, Invitation, Person

MIN_PASSWORD = 10
INVITATION_DAYS = 7
_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Checked against when the e-mail is unknown, so a wrong address costs as long as a wrong
    password (made on first use: hashing costs tens of milliseconds)."""
    return _hasher.hash(secrets.token_hex(8))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs {MIN_PASSWORD} characters or more")
    return _hasher.hash(password)


def sign_in(email: str, password: str, *, channel: Channel, source: str) -> PersonView:
    """The person with this e-mail and password; refused alike for a wrong address, a wrong
    password, a deactivated person and a locked-out one. ``source``: the client's address.
    A refusal is audited (and counted towards a lock-out) before it is raised."""
    with transaction() as session:
        refusal, view = _try_sign_in(session, email, password, channel, source)
    if refusal is not None:
        raise SignInFailed(refusal)
    assert view is not None
    return view


def _try_sign_in(
    session: Session, email: str, password: str, channel: Channel, source: str
) -> tuple[str | None, PersonView | None]:
    settings, now = get_settings(), utcnow()
    person = find_person(session, email)
    if person is None or person.password_hash is None:
        _check(_dummy(), password)
        _failed(session, None, email, channel, source, "unknown e-mail or no password set")
        return "wrong e-mail or password", None
    if person.locked_until is not None and person.locked_until > now:
        _failed(session, person, email, channel, source, "locked out")
        return "too many failed sign-ins: try again later", None
    if not _check(person.password_hash, password) or not person.active:
        person.failed_sign_ins += 1
        why = "wrong password" if person.active else "deactivated"
        if person.failed_sign_ins >= settings.sign_in_attempts:
            person.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            person.failed_sign_ins = 0
            why += f"; locked out for {settings.lockout_minutes} minutes"
        session.add(person)
        _failed(session, person, email, channel, source, why)
        return "wrong e-mail or password", None
    person.failed_sign_ins, person.locked_until = 0, None
    session.add(person)
    record_event(
        session,
        improvement_id=None,
        actor=person.name,
        action="signed_in",
        detail=f"from {source}",
        channel=channel,
        principal=person.email,
    )
    return None, person_view(session, person.id or 0)


def _check(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(
    session: Session, person: Person | None, email: str, channel: str, source: str, why: str
) -> None:
    record_event(
        session,
        improvement_id=None,
        actor=person.name if person else "unknown",
        action="sign_in_failed",
        detail=f"{email[:100]!r} from {source}: {why}",
        channel=channel,
        principal=person.email if person else "unverified",
    )


def active_person(person_id: int) -> PersonView | None:
    """The signed-in person, if they still exist and are active."""
    with transaction(write=False) as session:
        view = person_view(session, person_id)
    return view if view is not None and view.active else None


def proxied_person(email: str) -> PersonView | None:
    """The active person the trusted proxy named by e-mail."""
    with transaction(write=False) as session:
        person = find_person(session, email)
        view = person_view(session, person.id or 0) if person else None
    return view if view is not None and view.active else None


def set_password(ref: str, password: str, *, actor: str, channel: str, principal: str) -> str:
    hashed = hash_password(password)
    with transaction() as session:
        person = get_person(session, ref)
        person.password_hash, person.failed_sign_ins, person.locked_until = hashed, 0, None
        session.add(person)
        record_event(
            session,
            improvement_id=None,
            actor=actor,
            action="password_set",
            detail=f"for {person.name}",
            channel=channel,
            principal=principal,
        )
        return person.name


def new_invitation(session: Session, person: Person) -> str:
    """A one-time secret for the person's invitation link; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            person_id=person.id or 0,
            token_sha256=digest(token),
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    return token


def invited_person(token: str) -> PersonView:
    """Whom a valid, unused invitation is for."""
    with transaction(write=False) as session:
        invitation = invitation_by_hash(session, digest(token))
        if invitation is None or invitation.used_at or invitation.expires_at < utcnow():
            raise NotFound("this invitation link is not valid (used, expired or mistyped)")
        view = person_view(session, invitation.person_id)
    if view is None or not view.active:
        raise NotFound("this invitation link is not valid (used, expired or mistyped)")
    return view


def redeem_invitation(token: str, password: str) -> PersonView:
    """Set the password of the invited person; the link works once."""
    hashed = hash_password(password)
    person = invited_person(token)
    with transaction() as session:
        invitation = invitation_by_hash(session, digest(token))
        assert invitation is not None
        invitation.used_at = utcnow()
        session.add(invitation)
        stored = session.get(Person, person.id)
        assert stored is not None
        stored.password_hash, stored.failed_sign_ins, stored.locked_until = hashed, 0, None
        session.add(stored)
        record_event(
            session,
            improvement_id=None,
            actor=person.name,
            action="password_set",
            detail="from an invitation link",
            channel="web",
            principal=person.email,
        )
    return person


def issue_token(person: PersonView, label: str) -> str:
    """A personal API token (``improve login``); only its hash is kept."""
    token = "imp_" + secrets.token_urlsafe(32)
    with transaction() as session:
        session.add(ApiToken(person_id=person.id, token_sha256=digest(token), label=label[:200]))
        record_event(
            session,
            improvement_id=None,
            actor=person.name,
            action="token_issued",
            detail=label[:200],
            channel="api",
            principal=person.email,
        )
    return token


def token_person(token: str) -> PersonView | None:
    """The active person a token belongs to, if it is a valid one."""
    with transaction() as session:
        found = token_by_hash(session, digest(token))
        if found is None:
            return None
        now = utcnow()
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=5):
            found.last_used_at = now  # to the five minutes: a busy client writes little
            session.add(found)
        view = person_view(session, found.person_id)
    return view if view is not None and view.active else None
