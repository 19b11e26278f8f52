"""connections to ITSM tools and where each table's sync stands

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "itsm_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", S(length=64), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("url", S(length=400), nullable=False),
        sa.Column("username", S(length=200), nullable=True),
        sa.Column("secret", S(length=1000), nullable=True),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("created_by", S(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "itsm_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("source_table", S(length=64), nullable=False),
        sa.Column("cursor_at", S(length=40), nullable=True),
        sa.Column("cursor_ties", sa.Text(), nullable=False),
        sa.Column("tried_at", T(), nullable=True),
        sa.Column("synced_at", T(), nullable=True),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_left_out", sa.Integer(), nullable=False),
        sa.Column("more", sa.Boolean(), nullable=False),
        sa.Column("error", S(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["itsm_connection.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_itsm_sync_connection_id", "itsm_sync", ["connection_id"])


def downgrade() -> None:
    op.drop_index("ix_itsm_sync_connection_id", table_name="itsm_sync")
    op.drop_table("itsm_sync")
    op.drop_table("itsm_connection")
