"""wsjf and change references

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wsjf_business_value", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wsjf_time_criticality", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wsjf_risk_reduction", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wsjf_effort", sa.Integer(), nullable=True))

    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.drop_column("change")

    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_column("wsjf_effort")
        batch_op.drop_column("wsjf_risk_reduction")
        batch_op.drop_column("wsjf_time_criticality")
        batch_op.drop_column("wsjf_business_value")
