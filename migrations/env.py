"""Alembic environment: runs on the connection that ``improve init`` hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ci_workflow.store.tables  # noqa: F401  (registers every table on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
