"""Proving who someone is to the workspace: passwords (argon2), sign-in with lock-out after
repeated failures, one-time invitation links, and the trusted proxy's word. Sign-ins and their
failures are audit events.

A refused sign-in tells nothing of the address: an unknown one, a wrong password, a deactivated
or a locked-out person get the same answer after the same work (one argon2 verification). The
person locked out is told by e-mail instead. A new password ends every other session and token
of its person (``sessions``); a new invitation voids the older ones, and using one voids all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from ci_workflow.domain.authority.actors import Channel
from ci_workflow.domain.authority.passwords import broken_rules, refusal
from ci_workflow.domain.authority.people import PersonView
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import NotFound, SignInFailed, WeakPassword
from ci_workflow.services.people import notifications
from ci_workflow.settings import get_settings
from ci_workflow.store.audit import record_event
from ci_workflow.store.db import transaction
from ci_workflow.store.people.identity import (
    end_sessions,
    invitation_by_hash,
    revoke_tokens,
    session_by_hash,
    void_invitations,
)
from ci_workflow.store.people.people import find_person, get_person, person_view, view_of
from ci_workflow.store.tables import Invitation, Person

INVITATION_DAYS = 7
REFUSED = "wrong e-mail or password"  # the one answer to every refused sign-in
_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Checked against when the e-mail is unknown, so a wrong address costs as long as a wrong
    password (made on first use: hashing costs tens of milliseconds)."""
    return _hasher.hash(secrets.token_hex(8))


def prepare() -> None:
    """Make the dummy hash now (the workspace starts with it), not at the first unknown
    address, whose answer would then take twice as long."""
    _dummy()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str, *, email: str, name: str) -> str:
    """The hash of a new password for the person ``email`` (``name``), if it keeps the rules."""
    broken = broken_rules(password, email=email, name=name)
    if broken:
        raise WeakPassword(refusal(broken))
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
    now = utcnow()
    person = find_person(session, email)
    stored = person.password_hash if person is not None else None
    right = _check(stored or _dummy(), password)  # one verification, whoever is asking
    if person is None or stored is None:
        _failed(session, None, email, channel, source, "unknown e-mail or no password set")
        return REFUSED, None
    if person.locked_until is not None and person.locked_until > now:
        _failed(session, person, email, channel, source, "locked out")
        return REFUSED, None
    if not right or not person.active:
        _count_failure(session, person, email, channel, source)
        return REFUSED, None
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


def _count_failure(
    session: Session, person: Person, email: str, channel: Channel, source: str
) -> None:
    """One more failure in a row; the last allowed one locks the person out, and tells them."""
    settings = get_settings()
    person.failed_sign_ins += 1
    why = "wrong password" if person.active else "deactivated"
    if person.failed_sign_ins >= settings.sign_in_attempts:
        until = utcnow() + timedelta(minutes=settings.lockout_minutes)
        person.locked_until, person.failed_sign_ins = until, 0
        why += f"; locked out for {settings.lockout_minutes} minutes"
        _record_lock(session, person, channel, source, until)
        if person.active:
            _tell_locked_out(session, person, source, until)
    session.add(person)
    _failed(session, person, email, channel, source, why)


def lock_detail(until: datetime, minutes: int, failures: int, source: str) -> str:
    """What a ``locked_out`` event keeps (``accounts`` reads it back): until when, for how
    long, after how many failures, the last from where."""
    return (
        f"until {until:%Y-%m-%d %H:%M:%S} UTC ({minutes} minutes) after {failures} failed "
        f"sign-ins in a row, the last from {source}"
    )


def _record_lock(
    session: Session, person: Person, channel: Channel, source: str, until: datetime
) -> None:
    settings = get_settings()
    record_event(
        session,
        improvement_id=None,
        actor=person.name,
        action="locked_out",
        detail=lock_detail(until, settings.lockout_minutes, settings.sign_in_attempts, source),
        channel=channel,
        principal=person.email,
    )


def _tell_locked_out(session: Session, person: Person, source: str, until: datetime) -> None:
    """By e-mail, sent by the next dispatch (never while the sign-in waits: its answer would
    take longer, and say the address is known). The sign-in page never says it: it would tell
    anyone that the address is registered."""
    settings = get_settings()
    message = notifications.Message(
        kind="locked_out",
        subject="Your sign-in to the continual improvement workspace is locked until "
        f"{until:%H:%M} UTC",
        body=f"{settings.sign_in_attempts} sign-ins in a row failed with your e-mail address "
        f"(the last from {source}), so it is locked for {settings.lockout_minutes} minutes, "
        f"until {until:%Y-%m-%d %H:%M} UTC. You can sign in again after that; a CI manager can "
        "lift the lock sooner. If that was not you, tell a CI manager.",
        link=settings.link("/sign-in"),
    )
    key = f"locked_out:{person.id}:{utcnow():%Y%m%dT%H%M%S}"
    notifications.queue(
        session, message, key=key, people=[view_of(person, [])], immediate=True, webhook=False
    )


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


def proxied_person(email: str) -> PersonView | None:
    """The active person the trusted proxy named by e-mail."""
    with transaction(write=False) as session:
        person = find_person(session, email)
        view = person_view(session, person.id or 0) if person else None
    return view if view is not None and view.active else None


def set_password(
    ref: str, password: str, *, actor: str, channel: str, principal: str, keep_session: str = ""
) -> str:
    """A new password: every session and token of the person ends, but the session
    ``keep_session`` (the secret of the one that made the change)."""
    with transaction(write=False) as session:
        whose = get_person(session, ref)
    hashed = hash_password(password, email=whose.email, name=whose.name)  # outside the lock
    with transaction() as session:
        person = get_person(session, ref)
        _new_password(session, person, hashed, keep_session)
        record_event(
            session,
            improvement_id=None,
            actor=actor,
            action="password_set",
            detail=f"for {person.name}; every other session and token ended",
            channel=channel,
            principal=principal,
        )
        return person.name


def _new_password(session: Session, person: Person, hashed: str, keep_session: str) -> None:
    now = utcnow()
    person.password_hash, person.failed_sign_ins, person.locked_until = hashed, 0, None
    session.add(person)
    kept = session_by_hash(session, digest(keep_session)) if keep_session else None
    mine = kept is not None and kept.person_id == person.id
    end_sessions(
        session, person_id=person.id or 0, now=now, keep=kept.id if kept and mine else None
    )
    revoke_tokens(session, person_id=person.id or 0, now=now)


def new_invitation(session: Session, person: Person) -> str:
    """A one-time secret for the person's invitation link; only its hash is kept, and the
    person's older invitations stop working."""
    token, now = secrets.token_urlsafe(32), utcnow()
    void_invitations(session, person_id=person.id or 0, now=now)
    session.add(
        Invitation(
            person_id=person.id or 0,
            token_sha256=digest(token),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    return token


NOT_VALID = "this invitation link is not valid (used, replaced by a newer one, expired or mistyped)"


def _valid_invitation(session: Session, token: str) -> Invitation:
    invitation = invitation_by_hash(session, digest(token))
    if invitation is None or invitation.used_at or invitation.expires_at <= utcnow():
        raise NotFound(NOT_VALID)
    return invitation


def invited_person(token: str) -> PersonView:
    """Whom a valid, unused invitation is for."""
    with transaction(write=False) as session:
        view = person_view(session, _valid_invitation(session, token).person_id)
    if view is None or not view.active:
        raise NotFound(NOT_VALID)
    return view


def redeem_invitation(token: str, password: str) -> PersonView:
    """Set the password of the invited person; the link works once, and no other of theirs
    works after it."""
    person = invited_person(token)
    hashed = hash_password(password, email=person.email, name=person.name)
    with transaction() as session:
        invitation = _valid_invitation(session, token)  # again: another may have used it
        invitation.used_at = utcnow()
        session.add(invitation)
        void_invitations(session, person_id=invitation.person_id, now=utcnow())
        stored = session.get(Person, person.id)
        assert stored is not None
        _new_password(session, stored, hashed, "")
        record_event(
            session,
            improvement_id=None,
            actor=person.name,
            action="password_set",
            detail="from an invitation link; every other session and token ended",
            channel="web",
            principal=person.email,
        )
    return person
