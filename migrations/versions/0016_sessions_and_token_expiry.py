"""sessions kept on the server, tokens that expire, invitations' secrets no longer kept

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
TOKEN_DAYS = 90  # IMPROVE_TOKEN_DAYS' default: tokens issued before now expire like new ones


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", S(length=64), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("last_seen_at", T(), nullable=False),
        sa.Column("ended_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_web_session_person_id", "web_session", ["person_id"])

    now = datetime.now(UTC).replace(microsecond=0)  # as domain.clock.utcnow keeps it
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", T(), nullable=True))
    tokens = sa.table("api_token", sa.column("expires_at", T()))
    op.execute(tokens.update().values(expires_at=now + timedelta(days=TOKEN_DAYS)))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=T(), nullable=False)

    _forget_invitation_secrets(now)


def _forget_invitation_secrets(now: datetime) -> None:
    """Invitation e-mails kept their link, secret and all: keep the link without it, and void
    the invitations not yet used (whoever could read the register could use them)."""
    notification = sa.table(
        "notification", sa.column("id", sa.Integer()), sa.column("kind"), sa.column("link")
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notification.c.id, notification.c.link).where(notification.c.kind == "invitation")
    ).all()
    for row_id, link in rows:
        kept = link.split("/invitation/", 1)[0] + "/invitation" if link else ""
        bind.execute(notification.update().where(notification.c.id == row_id).values(link=kept))
    invitation = sa.table("invitation", sa.column("used_at", T()), sa.column("expires_at", T()))
    bind.execute(
        invitation.update()
        .where(invitation.c.used_at.is_(None), invitation.c.expires_at > now)
        .values(expires_at=now)
    )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_table("web_session")
