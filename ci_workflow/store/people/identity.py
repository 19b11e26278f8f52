"""Reading and writing invitations, API tokens and browser sessions, found by the SHA-256 of
their secret; ending them on the server; and what the audit trail keeps of a person's sign-ins
and lock-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, or_, update
from sqlmodel import Session, col, delete, select

from ci_workflow.store.tables import ApiToken, AuditEvent, Invitation, Person, WebSession

# The audit actions of signing in, as ``services/people/identity`` records them.
SIGN_INS = ("signed_in", "sign_in_failed")
LOCKED_OUT = "locked_out"
LOCK_LIFTED = "lock_lifted"


def invitation_by_hash(session: Session, token_sha256: str) -> Invitation | None:
    return session.exec(select(Invitation).where(Invitation.token_sha256 == token_sha256)).first()


def void_invitations(session: Session, *, person_id: int, now: datetime) -> None:
    """Every invitation of the person not used yet stops working (a newer one was sent, or one
    was used)."""
    query = (
        update(Invitation)
        .where(
            col(Invitation.person_id) == person_id,
            col(Invitation.used_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .values(expires_at=now)
    )
    session.execute(query)


def token_by_hash(session: Session, token_sha256: str, *, now: datetime) -> ApiToken | None:
    """The token, if it is neither revoked nor expired."""
    query = select(ApiToken).where(
        ApiToken.token_sha256 == token_sha256,
        col(ApiToken.revoked_at).is_(None),
        col(ApiToken.expires_at) > now,
    )
    return session.exec(query).first()


def tokens_of(session: Session, person_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.person_id == person_id)
    return list(session.exec(query.order_by(col(ApiToken.id))))


def revoke_tokens(session: Session, *, person_id: int, now: datetime) -> int:
    """Revoke every live token of the person; how many were."""
    query = (
        update(ApiToken)
        .where(col(ApiToken.person_id) == person_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return cast("CursorResult[Any]", session.execute(query)).rowcount


def session_by_hash(session: Session, token_sha256: str) -> WebSession | None:
    """The browser session, if it was not ended."""
    query = select(WebSession).where(
        WebSession.token_sha256 == token_sha256, col(WebSession.ended_at).is_(None)
    )
    return session.exec(query).first()


def end_sessions(
    session: Session, *, person_id: int, now: datetime, keep: int | None = None
) -> None:
    """End every session of the person, but ``keep``."""
    query = update(WebSession).where(
        col(WebSession.person_id) == person_id, col(WebSession.ended_at).is_(None)
    )
    if keep is not None:
        query = query.where(col(WebSession.id) != keep)
    session.execute(query.values(ended_at=now))


def forget_sessions(session: Session, *, unused_since: datetime) -> None:
    """Delete the rows of sessions ended, or unused since a time after which none is valid."""
    query = delete(WebSession).where(
        col(WebSession.ended_at).is_not(None) | (col(WebSession.last_seen_at) < unused_since)
    )
    session.execute(query)


def live_sessions(session: Session, *, person_id: int, seen_since: datetime) -> int:
    """How many browser sessions of the person still hold: not ended, used since then."""
    query = select(func.count()).where(
        col(WebSession.person_id) == person_id,
        col(WebSession.ended_at).is_(None),
        col(WebSession.last_seen_at) >= seen_since,
    )
    return session.exec(query).one()


def live_tokens(session: Session, *, person_id: int, now: datetime) -> int:
    """How many personal tokens of the person still work: neither revoked nor expired."""
    query = select(func.count()).where(
        col(ApiToken.person_id) == person_id,
        col(ApiToken.revoked_at).is_(None),
        col(ApiToken.expires_at) > now,
    )
    return session.exec(query).one()


def _theirs(person: Person) -> ColumnElement[bool]:
    """Events about signing in as this person: the address they had, or their name."""
    return or_(col(AuditEvent.principal) == person.email, col(AuditEvent.actor) == person.name)


def sign_in_events(session: Session, person: Person, *, limit: int) -> list[AuditEvent]:
    """The person's latest sign-ins and failed attempts, the newest first."""
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.action).in_(SIGN_INS), _theirs(person))
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def lock_events(session: Session, person: Person, *, since: datetime) -> list[AuditEvent]:
    """The person's lock-outs that began since then, and the lifts of their locks (a lift names
    the person as ``<e-mail>`` in its detail), oldest first."""
    lifted = (col(AuditEvent.action) == LOCK_LIFTED) & col(AuditEvent.detail).contains(
        f"<{person.email}>", autoescape=True
    )
    locked = (col(AuditEvent.action) == LOCKED_OUT) & _theirs(person)
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.at) >= since, or_(locked, lifted))
        .order_by(col(AuditEvent.id))
    )
    return list(session.exec(query))
