"""incidents and changes deleted in the ITSM tool they were synced from; OAuth connections

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
RECORDS = ("incidents", "change_record")


def upgrade() -> None:
    for table in RECORDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source", S(length=64), nullable=True))
            batch.add_column(sa.Column("deleted_at", T(), nullable=True))
        op.create_index(f"ix_{table}_source", table, ["source"])
    with op.batch_alter_table("itsm_connection") as batch:
        batch.add_column(sa.Column("auth", S(length=16), nullable=False, server_default="basic"))
    with op.batch_alter_table("itsm_sync") as batch:
        batch.add_column(sa.Column("reconciled_at", T(), nullable=True))
        batch.add_column(
            sa.Column("rows_deleted", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("itsm_sync") as batch:
        batch.drop_column("rows_deleted")
        batch.drop_column("reconciled_at")
    with op.batch_alter_table("itsm_connection") as batch:
        batch.drop_column("auth")
    for table in RECORDS:
        op.drop_index(f"ix_{table}_source", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
            batch.drop_column("source")
