"""a "Sync now" asked of a connection, run by the sync-itsm deployment; views of the incidents
and change records still in their tool, for hand-written SQL sources

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05

On SQLite a later batch alter of incidents or change_record copies the table under its name:
``store.migrate.migrating`` turns the view check off while it renames (``legacy_alter_table``).
On PostgreSQL a view keeps the columns the table had when it was made: a migration adding a
column to either table makes its view again (DROP VIEW, then the CREATE VIEW below).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime
# The view a SQL source reads instead of each table: its rows the tool has not deleted.
LIVE_VIEWS = {"live_incidents": "incidents", "live_change_records": "change_record"}


def upgrade() -> None:
    with op.batch_alter_table("itsm_connection") as batch:
        batch.add_column(sa.Column("sync_run_id", S(length=64), nullable=True))
        batch.add_column(sa.Column("sync_asked_at", T(), nullable=True))
        batch.add_column(sa.Column("sync_asked_by", S(length=200), nullable=True))
    for view, table in LIVE_VIEWS.items():
        op.execute(f"CREATE VIEW {view} AS SELECT * FROM {table} WHERE deleted_at IS NULL")


def downgrade() -> None:
    for view in LIVE_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    with op.batch_alter_table("itsm_connection") as batch:
        batch.drop_column("sync_asked_by")
        batch.drop_column("sync_asked_at")
        batch.drop_column("sync_run_id")
