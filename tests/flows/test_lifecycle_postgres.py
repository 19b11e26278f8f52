"""The lifecycle with everything on PostgreSQL: the Prefect server's own database and the register.

Runs when IMPROVE_TEST_POSTGRES_URL names a database (CI sets it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_workflow.services.register.browse import show_improvement
from tests.flows.conftest import PrefectServer, Served, postgres_databases, serve_register, use
from tests.flows.test_lifecycle import decisions, register, wait_for
from tests.helpers import Cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with postgres_databases() as (prefect_url, store_url):
        server = PrefectServer(tmp_path_factory.mktemp("prefect-on-postgres"), prefect_url)
        served = serve_register(server, tmp_path_factory.mktemp("register-on-postgres"), store_url)
        try:
            yield served
        finally:
            served.stop()
            server.stop()


def test_a_lifecycle_with_prefect_and_the_register_on_postgres(
    cli: Cli, postgres_served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use(postgres_served, monkeypatch)
    ref = register(cli, tmp_path, "on-postgres")
    cli.ok("start", ref)
    wait_for(cli, ref, gate="plan-approval-1")
    cli.ok("approve", ref, "--as", "Omar Haddad")
    wait_for(cli, ref, gate="execution-complete-1")
    cli.ok("complete", ref, "--as", "Lena Fischer", "--confirm")
    wait_for(cli, ref, gate="review-signoff-1")
    cli.ok(
        "signoff", ref, "--as", "Carmen Ruiz", "--lessons", "Works on PostgreSQL too", "--confirm"
    )
    wait_for(cli, ref, state="Completed")
    assert show_improvement(ref).status == "closed"
    assert [d[2] for d in decisions(ref)] == ["approve", "complete", "accept"]
