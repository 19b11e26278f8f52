"""capacity per quarter in the strategy; an improvement's estimated hours

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "strategy_capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", S(length=6), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", T(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quarter"),
    )
    with op.batch_alter_table("improvement") as batch:
        batch.add_column(sa.Column("estimated_hours", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("improvement") as batch:
        batch.drop_column("estimated_hours")
    op.drop_table("strategy_capacity")
