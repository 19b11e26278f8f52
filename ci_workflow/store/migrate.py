"""Bring a store's schema to the head revision with Alembic (``improve init``).

Alembic is imported here only, so commands that do not migrate do not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from ci_workflow.resources import resource_path


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_path("migrations")))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction (``migrating``); on SQLite the references are checked after."""
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if engine.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration broke {len(broken)} references; undone")


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction, as migrations run on it. On SQLite, Alembic alters a table
    by copying it, dropping it and renaming the copy: foreign keys are off meanwhile (a
    referenced table cannot be dropped with them on), and so is the check of views on renaming
    (``legacy_alter_table``): the views of live records (0029) name the table dropped a moment
    before the copy takes its name, and read it again once it has."""
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        pragmas = raw.execute if engine.dialect.name == "sqlite" and raw is not None else None
        if pragmas:  # before any transaction, or it is ignored
            pragmas("PRAGMA foreign_keys=OFF")
            pragmas("PRAGMA legacy_alter_table=ON")
        try:
            with connection.begin():
                yield connection
        finally:
            if pragmas:
                pragmas("PRAGMA legacy_alter_table=OFF")
                pragmas("PRAGMA foreign_keys=ON")
