"""problem records deleted in the ITSM tool they were synced from

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("problem_record") as batch:
        batch.add_column(sa.Column("source", S(length=64), nullable=True))
        batch.add_column(sa.Column("deleted_at", T(), nullable=True))
    op.create_index("ix_problem_record_source", "problem_record", ["source"])


def downgrade() -> None:
    op.drop_index("ix_problem_record_source", table_name="problem_record")
    with op.batch_alter_table("problem_record") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("source")
