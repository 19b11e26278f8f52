"""improvements found by their owner and process owner, and by when they last changed

My work, the board's "mine" and the register filtered to a person read the improvements a person
owns or is process owner of, and every kept page (the board, the practice page, the closed
improvements' index) first asks the register's data version, whose newest ``updated_at`` was a
scan: without these indexes a person with a handful of improvements waited about twice as long
at 10,000 improvements as at 1,000.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_improvement_owner_id", "improvement", ["owner_id"])
    op.create_index("ix_improvement_process_owner_id", "improvement", ["process_owner_id"])
    op.create_index("ix_improvement_updated_at", "improvement", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_improvement_updated_at", table_name="improvement")
    op.drop_index("ix_improvement_process_owner_id", table_name="improvement")
    op.drop_index("ix_improvement_owner_id", table_name="improvement")
