"""strategy as code: its versions and items, key results' values, what improvements serve

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "strategy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at", T(), nullable=False),
        sa.Column("applied_by", S(length=200), nullable=False),
        sa.Column("source", S(length=400), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_table(
        "strategy_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", S(length=64), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("parent_key", S(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", S(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("metric", S(length=64), nullable=True),
        sa.Column("unit", S(length=32), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("direction", S(length=16), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "key_result_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", T(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_at", T(), nullable=False),
        sa.Column("recorded_by", S(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["strategy_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_key_result_value_item_id", "key_result_value", ["item_id"])
    op.create_table(
        "improvement_link",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=16), nullable=False),
        sa.Column("key", S(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contribution", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("improvement_id", "kind", "key"),
    )
    op.create_index("ix_improvement_link_key", "improvement_link", ["key"])


def downgrade() -> None:
    op.drop_index("ix_improvement_link_key", table_name="improvement_link")
    op.drop_table("improvement_link")
    op.drop_index("ix_key_result_value_item_id", table_name="key_result_value")
    op.drop_table("key_result_value")
    op.drop_table("strategy_item")
    op.drop_table("strategy_version")
