"""The views of live records (migration 0029) outlive a later migration that alters their table
(on SQLite, by copying it), and go when the schema is taken back below 0029."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations

from ci_workflow.store.db import get_engine, reset_caches
from ci_workflow.store.migrate import alembic_config, migrating
from tests.helpers import Cli

ROWS = [("INC1", None), ("INC2", "2026-11-02 10:00:00"), ("INC3", None)]


def _live(connection: sa.Connection) -> list[str]:
    rows = connection.exec_driver_sql("SELECT number FROM live_incidents ORDER BY number")
    return [number for (number,) in rows]


def test_the_live_views_outlive_a_later_change_of_their_tables(store: str, cli: Cli) -> None:
    engine = get_engine()
    with engine.begin() as connection:
        for number, deleted in ROWS:
            connection.execute(
                sa.text(
                    "INSERT INTO incidents (number, opened_at, deleted_at, imported_at) "
                    "VALUES (:n, '2026-11-01 08:00:00', :d, '2026-11-03 00:00:00')"
                ),
                {"n": number, "d": deleted},
            )
    expected = [number for number, deleted in ROWS if deleted is None]
    # What a later migration adding a column does, as Alembic does it on this database.
    with migrating(engine) as connection:
        batch = engine.dialect.name == "sqlite"
        context = MigrationContext.configure(connection, opts={"render_as_batch": batch})
        alter = Operations(context).batch_alter_table
        with alter("incidents", recreate="always" if batch else "auto") as table:
            table.add_column(sa.Column("urgency", sa.String(16), nullable=True))
    with engine.connect() as connection:
        assert _live(connection) == expected
        counted = connection.exec_driver_sql("SELECT COUNT(*) FROM incidents").scalar_one()
    assert counted == len(ROWS)


def test_taken_back_below_0029_the_views_are_gone(store: str, cli: Cli) -> None:
    engine = get_engine()
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0027")
    reset_caches()
    names = set(sa.inspect(get_engine()).get_view_names())
    assert not names & {"live_incidents", "live_change_records"}
    columns = {c["name"] for c in sa.inspect(get_engine()).get_columns("itsm_connection")}
    assert "sync_run_id" not in columns and "every_minutes" in columns
