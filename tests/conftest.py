"""Every test runs in a clean environment with its own IMPROVE_HOME; store tests run on SQLite
and, when IMPROVE_TEST_POSTGRES_URL is set, again on PostgreSQL (a schema per test)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ci_workflow.settings import get_settings, private_home
from ci_workflow.store.db import register_file, reset_caches
from tests import slow
from tests.helpers import Cli

pytest_plugins = ["tests.servers"]

# Read before the autouse fixture wipes IMPROVE_* from the environment.
POSTGRES_URL = os.environ.get("IMPROVE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    slow.running = item  # before its fixtures start servers or browsers


def _clean(monkeypatch: pytest.MonkeyPatch, place: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("IMPROVE_", "PREFECT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IMPROVE_HOME", str(place / "home"))
    # Prefect, when a test imports it, keeps to a temporary home and no real API (port 9 discards).
    monkeypatch.setenv("PREFECT_HOME", str(place / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("IMPROVE_PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("COLUMNS", "200")  # the CLI's console is made once a process, this wide
    get_settings.cache_clear()
    reset_caches()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    _clean(monkeypatch, tmp_path)
    yield
    get_settings.cache_clear()
    reset_caches()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The store's database: SQLite under IMPROVE_HOME, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    monkeypatch.setenv(
        "IMPROVE_DATABASE_URL", f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    )
    get_settings.cache_clear()
    try:
        yield "postgres"
    finally:
        reset_caches()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def initialised_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite register made by `improve init` once per test process: each test's register
    starts as a copy of it, rather than running every migration again (a fifth of the suite's
    time). `improve init` itself is tested on fresh and older registers (tests/cli/test_init.py)."""
    with pytest.MonkeyPatch.context() as patch:
        _clean(patch, tmp_path_factory.mktemp("initialised"))
        Cli().ok("init")
        made = register_file()
        reset_caches()  # its last connection closed: the write-ahead log is folded in
    get_settings.cache_clear()
    assert made is not None and not made.with_name(made.name + "-wal").exists()
    return made


@pytest.fixture
def store(backend: str, cli: Cli, initialised_register: Path) -> str:
    """An initialised, empty register on the chosen backend."""
    target = register_file()
    if backend != "sqlite" or target is None:
        cli.ok("init")
        return backend
    private_home()
    shutil.copyfile(initialised_register, target)
    target.chmod(0o600)
    return backend


@pytest.fixture
def people(store: str, cli: Cli) -> None:
    """The cast most tests need."""
    cli.ok("people", "add", "Carmen Ruiz", "--email", "carmen@example.org", "--role", "ci_manager")
    cli.ok(
        "people",
        "add",
        "Omar Haddad",
        "--email",
        "omar@example.org",
        "--role",
        "process_owner:Incident Management",
    )
    cli.ok(
        "people",
        "add",
        "Grace Kim",
        "--email",
        "grace@example.org",
        "--role",
        "process_owner:Service Request Management",
    )
    cli.ok(
        "people", "add", "Lena Fischer", "--email", "lena@example.org", "--role", "improvement_team"
    )
    cli.ok(
        "people",
        "add",
        "Priya Nair",
        "--email",
        "priya@example.org",
        "--role",
        "data_analyst:Incident Management",
    )
