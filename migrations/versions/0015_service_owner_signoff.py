"""an improvement's review sign-off co-signed by a service owner of its service

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "service_owner_signoff", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_column("service_owner_signoff")
