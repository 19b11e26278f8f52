"""identity, channels of decisions, notifications

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("deactivated_at", T(), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", T(), nullable=True))
        batch_op.add_column(sa.Column("notify", S(length=8), nullable=False, server_default="now"))

    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", S(length=16), nullable=False, server_default="cli")
        )
        batch_op.add_column(
            sa.Column("principal", S(length=320), nullable=False, server_default="")
        )

    with op.batch_alter_table("gate_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refusal", sa.Text(), nullable=True))

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", S(length=16), nullable=True))
        batch_op.add_column(sa.Column("principal", S(length=320), nullable=True))

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", S(length=64), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("expires_at", T(), nullable=False),
        sa.Column("used_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_invitation_person_id", "invitation", ["person_id"])

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", S(length=64), nullable=False),
        sa.Column("label", S(length=200), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("last_used_at", T(), nullable=True),
        sa.Column("revoked_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_api_token_person_id", "api_token", ["person_id"])

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", S(length=300), nullable=False),
        sa.Column("kind", S(length=32), nullable=False),
        sa.Column("channel", S(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("recipient", S(length=320), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("claimed_at", T(), nullable=True),
        sa.Column("sent_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notification_person_id", "notification", ["person_id"])
    op.create_index("ix_notification_improvement_id", "notification", ["improvement_id"])
    op.create_index("ix_notification_status", "notification", ["status"])


def downgrade() -> None:
    op.drop_table("notification")
    op.drop_table("api_token")
    op.drop_table("invitation")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("principal")
        batch_op.drop_column("channel")
    with op.batch_alter_table("gate_request", schema=None) as batch_op:
        batch_op.drop_column("refusal")
    with op.batch_alter_table("gate_decision", schema=None) as batch_op:
        batch_op.drop_column("principal")
        batch_op.drop_column("channel")
    with op.batch_alter_table("person", schema=None) as batch_op:
        for column in ("notify", "locked_until", "failed_sign_ins", "password_hash",
                       "deactivated_at", "active"):  # fmt: skip
            batch_op.drop_column(column)
