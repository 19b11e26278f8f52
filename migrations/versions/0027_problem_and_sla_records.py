"""problem records and SLA records imported from problem management and SLA tracking

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "problem_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", S(length=64), nullable=False),
        sa.Column("state", S(length=64), nullable=False),
        sa.Column("opened_at", T(), nullable=True),
        sa.Column("resolved_at", T(), nullable=True),
        sa.Column("closed_at", T(), nullable=True),
        sa.Column("service", S(length=200), nullable=True),
        sa.Column("category", S(length=200), nullable=True),
        sa.Column("priority", S(length=64), nullable=True),
        sa.Column("assignment_group", S(length=200), nullable=True),
        sa.Column("known_error", sa.Boolean(), nullable=True),
        sa.Column("has_workaround", sa.Boolean(), nullable=True),
        sa.Column("fix", S(length=200), nullable=True),
        sa.Column("fixed", sa.Boolean(), nullable=True),
        sa.Column("imported_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "sla_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", S(length=300), nullable=False),
        sa.Column("task", S(length=64), nullable=False),
        sa.Column("definition", S(length=200), nullable=False),
        sa.Column("stage", S(length=64), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("has_breached", sa.Boolean(), nullable=False),
        sa.Column("start_at", T(), nullable=False),
        sa.Column("end_at", T(), nullable=True),
        sa.Column("breach_at", T(), nullable=True),
        sa.Column("business_percentage", sa.Float(), nullable=True),
        sa.Column("imported_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_sla_record_task", "sla_record", ["task"])
    op.create_index("ix_sla_record_start_at", "sla_record", ["start_at"])


def downgrade() -> None:
    op.drop_index("ix_sla_record_start_at", table_name="sla_record")
    op.drop_index("ix_sla_record_task", table_name="sla_record")
    op.drop_table("sla_record")
    op.drop_table("problem_record")
