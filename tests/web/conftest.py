"""A real `improve web` under uvicorn on loopback, for one register with the sample cast (each
with a password), and an SMTP server on loopback that it sends through.

The workspace runs once per module; each test points its own in-process commands at the same
register (``use``) and uses improvements of its own.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ci_workflow.settings import get_settings
from ci_workflow.store.db import reset_caches
from tests import processes
from tests.servers import Mailbox

CAST = [
    ("Carmen Ruiz", "carmen@example.org", ["ci_manager"]),
    ("Omar Haddad", "omar@example.org", ["process_owner:Incident Management"]),
    ("Grace Kim", "grace@example.org", ["process_owner:Service Request Management"]),
    ("Lena Fischer", "lena@example.org", ["improvement_team"]),
    ("Priya Nair", "priya@example.org", ["data_analyst:Incident Management"]),
]
PASSWORD = "correct horse battery"


def password_of(email: str) -> str:
    return f"{PASSWORD} {email.split('@')[0]}"


@dataclass
class Workspace:
    """`improve web` for one register; its environment is what its commands also use."""

    env: dict[str, str]
    url: str
    process: subprocess.Popen[bytes]
    mailbox: Mailbox | None
    clients: list[httpx.Client] = field(default_factory=list)

    def improve(self, *args: str, stdin: str | None = None) -> str:
        return processes.run_improve(self.env, *args, stdin=stdin)

    def client(self, *, for_test: bool = True) -> httpx.Client:
        """A browser-like client of its own (cookies); closed when the test ends, unless it
        lives longer (``for_test=False``: its owner closes it)."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        if for_test:
            self.clients.append(client)
        return client

    def close_clients(self) -> None:
        while self.clients:
            self.clients.pop().close()

    def signed_in(
        self, email: str, password: str | None = None, *, for_test: bool = True
    ) -> httpx.Client:
        client = self.client(for_test=for_test)
        answer = sign_in(client, email, password or password_of(email))
        assert answer.status_code == 303, answer.text
        return client


def csrf_of(client: httpx.Client, path: str) -> str:
    """The CSRF token in the first form of a page, as a browser would send it back."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no form on {path}"
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = csrf_of(client, "/sign-in")
    form = {"email": email, "password": password, "csrf": token, "next": "/"}
    return client.post("/sign-in", data=form)


def post_form(client: httpx.Client, page: str, to: str, **fields: Any) -> httpx.Response:
    """Fill a form of ``page`` (its CSRF token) and send it to ``to``."""
    return client.post(to, data={"csrf": csrf_of(client, page), **fields})


def start_workspace(
    root: Path, extra: dict[str, str] | None = None, seed: bool = True, workers: int = 1
) -> Workspace:
    home = root / "home"
    clean = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("IMPROVE_", "PREFECT_"))
    }
    port = processes.free_port()
    env = {
        **clean,
        "IMPROVE_HOME": str(home),
        "IMPROVE_WEB_URL": f"http://127.0.0.1:{port}",
        "PREFECT_API_URL": "http://127.0.0.1:9/api",
        "PREFECT_HOME": str(root / "prefect"),
        "IMPROVE_PREFECT_API_URL": "http://127.0.0.1:9/api",
        **(extra or {}),
    }
    space = Workspace(env, f"http://127.0.0.1:{port}", None, None)  # type: ignore[arg-type]
    if seed:
        _seed(env)
    log = root / "web.log"
    serve = [*processes.improve_command(), "web", "--port", str(port), "--workers", str(workers)]
    space.process = processes.start(serve, env=env, log=log)
    processes.wait_until(
        lambda: httpx.get(f"{space.url}/sign-in", timeout=2).status_code in (200, 401),
        timeout=60,
        what="improve web",
        log=log,
    )
    return space


def _seed(env: dict[str, str]) -> None:
    """The register and its cast, made in this process (as `improve init`, `people add` and
    `people passwd` would): eleven commands' start-ups saved."""
    import os

    from ci_workflow.domain.authority.actors import operating_system
    from ci_workflow.services.people.directory import add_person
    from ci_workflow.services.people.identity import set_password
    from ci_workflow.services.register.setup import init_store

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("IMPROVE_", "PREFECT_"))})
    get_settings.cache_clear()
    reset_caches()
    try:
        init_store()
        admin = operating_system("tests")
        for name, email, roles in CAST:
            add_person(name, email=email, roles=roles, actor=admin)
            set_password(
                email, password_of(email), actor="tests", channel="cli", principal="os:tests"
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        reset_caches()


@pytest.fixture(scope="module")
def workspace(
    tmp_path_factory: pytest.TempPathFactory, module_mailbox: Mailbox
) -> Iterator[Workspace]:
    smtp = {
        "IMPROVE_SMTP_HOST": "127.0.0.1",
        "IMPROVE_SMTP_PORT": str(module_mailbox.port),
        "IMPROVE_SMTP_STARTTLS": "false",
    }
    space = start_workspace(tmp_path_factory.mktemp("workspace"), smtp)
    space.mailbox = module_mailbox
    yield space
    processes.stop(space.process)


@pytest.fixture
def use(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """This test's in-process commands work on the workspace's register."""
    for name, value in workspace.env.items():
        if name.startswith(("IMPROVE_", "PREFECT_")):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_caches()
    yield workspace
    workspace.close_clients()
