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


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
