"""key results measured by sources: a key result's source, window and cadence; captured values
once per checkpoint, a failed read kept with why

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("strategy_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("window", S(length=8), nullable=True))
        batch_op.add_column(sa.Column("checkpoint_cron", S(length=100), nullable=True))
    with op.batch_alter_table("key_result_value", schema=None) as batch_op:
        batch_op.alter_column("value", existing_type=sa.Float(), nullable=True)
        batch_op.add_column(sa.Column("checkpoint_at", T(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_key_result_value_checkpoint", ["item_id", "checkpoint_at"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM key_result_value WHERE value IS NULL")
    with op.batch_alter_table("key_result_value", schema=None) as batch_op:
        batch_op.drop_constraint("uq_key_result_value_checkpoint", type_="unique")
        batch_op.drop_column("error")
        batch_op.drop_column("checkpoint_at")
        batch_op.alter_column("value", existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table("strategy_item", schema=None) as batch_op:
        batch_op.drop_column("checkpoint_cron")
        batch_op.drop_column("window")
        batch_op.drop_column("source")
