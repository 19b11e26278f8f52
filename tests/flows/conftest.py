"""A real Prefect server for the session, and `improve serve` running the project's deployments.

The lifecycle tests share one register (IMPROVE_HOME) with the serve process, each test using its
own improvements. Prefect reads its settings once per process, so every in-process command of
these tests talks to the one session server.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ci_workflow.orchestration import configure_prefect
from ci_workflow.settings import get_settings
from ci_workflow.store.db import reset_caches
from tests import processes
from tests.helpers import Cli
from tests.slow import require_slow

# The session's server asks for basic authentication, as `improve server` does.
AUTH = ("improve", secrets.token_urlsafe(16))


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
    return {
        **clean,
        "PREFECT_SERVER_API_AUTH_STRING": ":".join(AUTH),
        "PREFECT_API_AUTH_STRING": ":".join(AUTH),
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "IMPROVE_PREFECT_API_URL": api_url,
    }


class PrefectServer:
    def __init__(self, root: Path, database_url: str | None = None) -> None:
        require_slow("a Prefect server")
        self.root = root
        self.port = processes.free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.env = prefect_env(root, self.api_url)
        if database_url:
            self.env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
        self.log = root / "server.log"
        self.process = processes.start(
            [
                str(processes.BIN / "prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            log=self.log,
        )
        processes.wait_until(
            processes.api_up(self.api_url), timeout=90, what="the Prefect server", log=self.log
        )

    def stop(self) -> None:
        processes.stop(self.process)


class Served:
    """`improve serve` for one register; restartable, as a real operator would."""

    def __init__(self, server: PrefectServer, env: dict[str, str]) -> None:
        self.server = server
        self.env = env
        self.home = Path(env["IMPROVE_HOME"])
        self.log = self.home / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = processes.start(
            [*processes.improve_command(), "serve"], env=self.env, log=self.log
        )
        processes.wait_until(
            self._deployments_ready, timeout=60, what="improve serve", log=self.log
        )

    def _deployments_ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"improve serve exited:\n{self.log.read_text()[-3000:]}")
        url = f"{self.server.api_url}/deployments/name/improvement-lifecycle/improvement-lifecycle"
        # Registered and its runner polling: the deployment's status turns READY.
        answer = httpx.get(url, timeout=2, auth=AUTH)
        return answer.status_code == 200 and answer.json().get("status") == "READY"

    def kill(self) -> None:
        assert self.process is not None
        processes.kill_hard(self.process)

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process)


@contextmanager
def postgres_databases() -> Iterator[tuple[str, str]]:
    """(Prefect's database URL, the register's URL): a new database for the Prefect server and
    a new schema for the register in the test PostgreSQL, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
        connection.execute(text(f"CREATE SCHEMA register_{name}"))
    prefect_url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield (
            prefect_url.render_as_string(hide_password=False),
            f"{POSTGRES_URL}{separator}options=-csearch_path%3Dregister_{name}",
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS register_{name} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    server = PrefectServer(tmp_path_factory.mktemp("prefect-server"))
    yield server
    server.stop()


def serve_register(
    server: PrefectServer,
    home: Path,
    database_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> Served:
    """A fresh register with the sample cast, served by `improve serve`; ``extra`` settings
    (e-mail, the workspace's address...) for it and for every command on it."""
    env = {**prefect_env(home, server.api_url), "IMPROVE_HOME": str(home), **(extra or {})}
    if database_url:
        env["IMPROVE_DATABASE_URL"] = database_url

    def improve(*args: str) -> None:
        subprocess.run(
            [*processes.improve_command(), *args], env=env, check=True, capture_output=True
        )

    improve("init")
    for name, email, *roles in CAST:
        improve("people", "add", name, "--email", email, *[a for r in roles for a in ("--role", r)])
    served = Served(server, env)
    served.start()
    return served


@pytest.fixture(scope="session")
def served(
    prefect_server: PrefectServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    served = serve_register(prefect_server, tmp_path_factory.mktemp("register"))
    yield served
    served.stop()


CAST = [
    ("Carmen Ruiz", "carmen@example.org", "ci_manager"),
    ("Omar Haddad", "omar@example.org", "process_owner:Incident Management"),
    ("Lena Fischer", "lena@example.org", "improvement_team"),
    ("Priya Nair", "priya@example.org", "data_analyst:Incident Management"),
]


def use(served: Served, monkeypatch: pytest.MonkeyPatch) -> Served:
    """Point this test's in-process commands at the served register and its Prefect server."""
    use_settings(served.env, monkeypatch)
    return served


def use_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's in-process commands with the register and Prefect settings of ``env``."""
    for name, value in env.items():
        if name.startswith(("IMPROVE_", "PREFECT_")):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_caches()
    configure_prefect()


@pytest.fixture
def lifecycle(served: Served, monkeypatch: pytest.MonkeyPatch) -> Served:
    return use(served, monkeypatch)


@pytest.fixture
def cli() -> Cli:
    return Cli()
