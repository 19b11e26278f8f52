"""Bring a store's schema to the head revision with Alembic (``improve init``).

Alembic is imported here only, so commands that do not migrate do not pay for it.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ci_workflow.resources import resource_path


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_path("migrations")))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """On SQLite, foreign keys are off while the migration runs: Alembic alters a table there by
    copying it, and a referenced table cannot be dropped with them on. They are checked after."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # before any transaction, or it is ignored
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration broke {len(broken)} references; undone")
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")
