"""change records: changes imported from change management, by their id

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "change_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", text(length=64), nullable=False),
        sa.Column("state", text(length=64), nullable=False),
        sa.Column("outcome", text(length=16), nullable=False),
        sa.Column("opened_at", moment(), nullable=True),
        sa.Column("planned_start_at", moment(), nullable=True),
        sa.Column("planned_end_at", moment(), nullable=True),
        sa.Column("closed_at", moment(), nullable=True),
        sa.Column("service", text(length=200), nullable=True),
        sa.Column("type", text(length=64), nullable=True),
        sa.Column("risk", text(length=64), nullable=True),
        sa.Column("close_code", text(length=64), nullable=True),
        sa.Column("imported_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_record_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_record_closed_at"))
    op.drop_table("change_record")
