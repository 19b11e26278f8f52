from pathlib import Path

from ci_workflow.store.db import SCHEMA_REVISION
from ci_workflow.store.migrate import head_revision
from tests.helpers import Cli


def test_the_code_expects_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_REVISION


def test_commands_before_init_say_what_to_do(cli: Cli, backend: str) -> None:
    assert cli.fails("list") == ["error: the register is not initialised: run `improve init`"]


def test_init_creates_the_store_and_can_be_repeated(cli: Cli, backend: str, tmp_path: Path) -> None:
    first = cli.ok("init").stdout
    assert f"(schema none → {SCHEMA_REVISION})" in first
    again = cli.ok("init").stdout
    assert f"is up to date (schema {SCHEMA_REVISION})" in again
    assert cli.json("list") == []
    if backend == "sqlite":
        assert (tmp_path / "home" / "improve.db").is_file()


def test_the_embedded_store_runs_in_wal_mode(cli: Cli, backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        return
    import sqlite3

    cli.ok("init")
    with sqlite3.connect(tmp_path / "home" / "improve.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
