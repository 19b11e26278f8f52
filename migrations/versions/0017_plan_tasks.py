"""plan actions as tasks: the date an action was done, and the due date its overdue reminder
was sent for

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Actions done before this revision keep no date: when they were done was never recorded.
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reminded_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.drop_column("reminded_due")
        batch_op.drop_column("done_on")
