"""survey results kept with the value they are the mean of; a note on a value recorded by hand

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("metric_snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    op.create_table(
        "survey_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("counts", S(length=400), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["metric_snapshot.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_result_snapshot_id", "survey_result", ["snapshot_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_survey_result_snapshot_id", table_name="survey_result")
    op.drop_table("survey_result")
    with op.batch_alter_table("metric_snapshot", schema=None) as batch_op:
        batch_op.drop_column("note")
