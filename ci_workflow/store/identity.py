"""Reading and writing invitations and API tokens, found by the SHA-256 of their secret."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ci_workflow.store.tables import ApiToken, Invitation


def invitation_by_hash(session: Session, token_sha256: str) -> Invitation | None:
    return session.exec(select(Invitation).where(Invitation.token_sha256 == token_sha256)).first()


def token_by_hash(session: Session, token_sha256: str) -> ApiToken | None:
    query = select(ApiToken).where(
        ApiToken.token_sha256 == token_sha256, col(ApiToken.revoked_at).is_(None)
    )
    return session.exec(query).first()
