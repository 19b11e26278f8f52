"""IMPROVE_HOME is its owner's only (issue 24, #5): the folder 0700, the register, its WAL and
shared-memory files and the kept secrets 0600, also where an older version left them looser."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_workflow.settings import get_settings, prefect_auth_string, secret_key
from ci_workflow.store.db import reset_caches
from tests.helpers import Cli

KEPT = ("improve.db", "improve.db-wal", "improve.db-shm", "secret_key", "prefect_auth")


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have (022): what is made is readable by all unless made not to."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes(home: Path) -> dict[str, str]:
    found = {".": oct(stat.S_IMODE(home.stat().st_mode))}
    return found | {n: oct(stat.S_IMODE((home / n).stat().st_mode)) for n in KEPT}


def test_a_new_home_and_everything_in_it_are_the_owners_only(cli: Cli) -> None:
    home = get_settings().home_dir
    cli.ok("init")
    secret_key(), prefect_auth_string()
    cli.ok("list")  # the register open, so its -wal and -shm files are there
    assert modes(home) == {".": "0o700"} | dict.fromkeys(KEPT, "0o600")


def test_a_home_left_readable_by_an_older_version_is_tightened(cli: Cli) -> None:
    home = get_settings().home_dir
    cli.ok("init")
    secret_key(), prefect_auth_string()
    reset_caches()  # every connection closed: the next command opens the register again
    home.chmod(0o755)
    for name in ("improve.db", "secret_key", "prefect_auth"):
        (home / name).chmod(0o644)
    cli.ok("list")
    secret_key(), prefect_auth_string()
    assert modes(home) == {".": "0o700"} | dict.fromkeys(KEPT, "0o600")
