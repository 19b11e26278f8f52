"""The lifecycle with everything on PostgreSQL: the Prefect server's own database and the register.

Runs when IMPROVE_TEST_POSTGRES_URL names a database (CI sets it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ci_workflow.services.register import show_improvement
from tests.conftest import POSTGRES_URL
from tests.flows.conftest import PrefectServer, Served, serve_register, use
from tests.flows.test_lifecycle import decisions, register, wait_for
from tests.helpers import Cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not POSTGRES_URL:
        pytest.skip("IMPROVE_TEST_POSTGRES_URL is not set")
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
        connection.execute(text(f"CREATE SCHEMA register_{name}"))
    prefect_url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    separator = "&" if "?" in POSTGRES_URL else "?"
    store_url = f"{POSTGRES_URL}{separator}options=-csearch_path%3Dregister_{name}"
    server = PrefectServer(
        tmp_path_factory.mktemp("prefect-on-postgres"),
        database_url=prefect_url.render_as_string(hide_password=False),
    )
    served = serve_register(server, tmp_path_factory.mktemp("register-on-postgres"), store_url)
    try:
        yield served
    finally:
        served.stop()
        server.stop()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS register_{name} CASCADE"))
        admin.dispose()


def test_a_lifecycle_with_prefect_and_the_register_on_postgres(
    cli: Cli, postgres_served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use(postgres_served, monkeypatch)
    ref = register(cli, tmp_path, "on-postgres")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")
    cli.ok("complete", ref, "--as", "Lena Fischer")
    wait_for(cli, ref, gate="review-signoff-1")
    cli.ok("signoff", ref, "--as", "Carmen Ruiz", "--lessons", "Works on PostgreSQL too")
    wait_for(cli, ref, state="Completed")
    assert show_improvement(ref).status == "closed"
    assert [d[2] for d in decisions(ref)] == ["approve", "complete", "accept"]
