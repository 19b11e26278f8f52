"""gate requests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gate_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("gate", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("improvement_id", "gate", "attempt"),
    )
    with op.batch_alter_table("gate_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gate_request_improvement_id"), ["improvement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gate_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gate_request_improvement_id"))

    op.drop_table("gate_request")
