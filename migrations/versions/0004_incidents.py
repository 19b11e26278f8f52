"""incidents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("assignment_group", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("sla_met", sa.Boolean(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("reassignment_count", sa.Integer(), nullable=False),
        sa.Column("problem_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("change_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_resolved_at"), ["resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_opened_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_category"))

    op.drop_table("incidents")
