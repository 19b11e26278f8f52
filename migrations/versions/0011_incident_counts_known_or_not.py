"""incident counts NULL when the export had none; hand-overs back (ping-pong) counted

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("reopen_count", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("reassignment_count", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("ping_pong_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("ping_pong_count")
        batch_op.alter_column("reassignment_count", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("reopen_count", existing_type=sa.Integer(), nullable=False)
