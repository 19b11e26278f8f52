import os
from pathlib import Path

import pytest

from ci_workflow.store.db import SCHEMA_REVISION
from ci_workflow.store.migrate import head_revision
from tests.helpers import Cli
from tests.processes import free_port


def test_the_code_expects_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_REVISION


def test_commands_before_init_say_what_to_do_and_create_nothing(
    cli: Cli, backend: str, tmp_path: Path
) -> None:
    assert cli.fails("list") == ["error: the register is not initialised: run `improve init`"]
    assert not (tmp_path / "home" / "improve.db").exists()


def test_an_unreachable_store_is_named_with_the_reason_and_no_password(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_workflow.settings import get_settings
    from ci_workflow.store.db import reset_caches

    port = free_port()  # nothing listens there
    url = f"postgresql://reader:s3cret@127.0.0.1:{port}/itsm?password=s3cret&connect_timeout=5"
    monkeypatch.setenv("IMPROVE_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_caches()
    (line,) = cli.fails("list")
    assert line.startswith(
        f"error: cannot reach the register at postgresql+psycopg://reader:***@127.0.0.1:{port}/itsm?"
    )
    assert "s3cret" not in line and "Connection refused" in line
    (line,) = cli.fails("init")
    assert "s3cret" not in line and "cannot reach the register" in line


def test_init_creates_the_store_and_can_be_repeated(cli: Cli, backend: str, tmp_path: Path) -> None:
    first = cli.ok("init").stdout
    assert f"(schema none → {SCHEMA_REVISION})" in first
    again = cli.ok("init").stdout
    assert f"is up to date (schema {SCHEMA_REVISION})" in again
    assert cli.json("list") == []
    if backend == "sqlite":
        assert (tmp_path / "home" / "improve.db").is_file()


def test_a_persons_improvements_and_the_data_version_are_read_by_index(
    cli: Cli, backend: str
) -> None:
    # Without them My work, "mine" and every kept page scanned the whole register: a person with
    # a handful of improvements waited about twice as long at 10,000 as at 1,000 (bench/flat.py).
    from sqlalchemy import inspect

    from ci_workflow.store.db import get_engine

    cli.ok("init")
    indexed = {tuple(i["column_names"]) for i in inspect(get_engine()).get_indexes("improvement")}
    assert {("owner_id",), ("process_owner_id",), ("updated_at",)} <= indexed


def test_the_embedded_store_runs_in_wal_mode(cli: Cli, backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        return
    import sqlite3

    cli.ok("init")
    with sqlite3.connect(tmp_path / "home" / "improve.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_older_register_upgrades_with_its_data(cli: Cli, backend: str) -> None:
    """A register made by the previous release (schema 0008) keeps its people and improvements
    when `improve init` brings it to this release's schema; on SQLite too, where a table is
    altered by copying it under its references."""
    from ci_workflow.store.db import get_engine
    from ci_workflow.store.migrate import upgrade_to_head

    upgrade_to_head(get_engine(), "0008")
    with get_engine().begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO person (name, email, created_at) VALUES ('Ann Lee', 'ann@example.org', "
            "'2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO role_assignment (person_id, role, scope) VALUES (1, 'ci_manager', '')"
        )
    assert "(schema 0008 → 0030)" in cli.ok("init").stdout
    (ann,) = cli.json("people", "list")
    assert ann == {
        "name": "Ann Lee",
        "email": "ann@example.org",
        "roles": ["ci_manager"],
        "active": True,
        "notify": "now",
    }


def test_init_shows_the_store_without_its_password(
    cli: Cli, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgres":
        pytest.skip("a password in the URL's query is a server database's")
    from ci_workflow.settings import get_settings

    url = os.environ["IMPROVE_DATABASE_URL"] + "&password=s3cret"  # trust auth ignores it
    monkeypatch.setenv("IMPROVE_DATABASE_URL", url)
    get_settings.cache_clear()
    out = cli.ok("init").stdout
    assert "s3cret" not in out and "password=***" in out
