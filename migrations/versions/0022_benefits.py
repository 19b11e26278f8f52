"""benefits over time: improvements' benefit lines and their actuals; the organisation's
currency and rates

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("strategy_version") as batch:
        batch.add_column(sa.Column("currency", S(length=3), nullable=False, server_default="EUR"))
        batch.add_column(sa.Column("rates", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "benefit_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("key", S(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=32), nullable=False),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("currency", S(length=3), nullable=True),
        sa.Column("description", S(length=200), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=False),
        sa.Column("measured_metric", S(length=64), nullable=True),
        sa.Column("measured_rate", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("improvement_id", "key"),
    )
    op.create_index("ix_benefit_line_improvement_id", "benefit_line", ["improvement_id"])
    op.create_table(
        "benefit_actual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("line_key", S(length=64), nullable=False),
        sa.Column("quarter", S(length=6), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("source", S(length=16), nullable=False),
        sa.Column("recorded_by", S(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", T(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("decided_by", S(length=200), nullable=True),
        sa.Column("decided_at", T(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("improvement_id", "line_key", "quarter"),
    )
    op.create_index("ix_benefit_actual_improvement_id", "benefit_actual", ["improvement_id"])


def downgrade() -> None:
    op.drop_index("ix_benefit_actual_improvement_id", table_name="benefit_actual")
    op.drop_table("benefit_actual")
    op.drop_index("ix_benefit_line_improvement_id", table_name="benefit_line")
    op.drop_table("benefit_line")
    with op.batch_alter_table("strategy_version") as batch:
        batch.drop_column("rates")
        batch.drop_column("currency")
