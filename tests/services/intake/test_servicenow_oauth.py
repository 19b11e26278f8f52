"""A ServiceNow connection as an OAuth client (client credentials, ``--auth oauth``), against
the loopback instance's ``/oauth_token.do``: the token fetched once and sent on every request,
fetched again once when the instance refuses it, a wrong client secret said clearly; the
secret never shown or audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import (
    START,
    change,
    incident,
    incidents_and_changes,
    sync,
)

CLIENT, SECRET = "c0ffee-client", "oauth-Secr3t"
PAGE = 5


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [incident(n, START + timedelta(minutes=n)) for n in range(12)]
        served.tables["change_request"] = [
            change(n, START + timedelta(minutes=n)) for n in range(3)
        ]
        served.users = {}  # no basic authentication: only the OAuth client
        served.clients = {CLIENT: SECRET}
        yield served


def add(cli: Cli, instance: Instance, secret: str = SECRET, *extra: str) -> str:
    args = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    args += ["--auth", "oauth", "--user", CLIENT, "--secret-stdin", *extra]
    args += ["--mapping", incidents_and_changes()]
    result = cli.runner.invoke(app, args, input=f"{secret}\n")
    assert result.exit_code == 0, result.output
    return result.output


def table_requests(instance: Instance) -> int:
    return sum(1 for r in instance.requests if r["path"].startswith("/api/now/table/"))


def test_one_token_serves_every_request_of_a_sync(cli: Cli, instance: Instance) -> None:
    out = add(cli, instance)
    assert SECRET not in out
    result = sync()
    assert [(t.read, t.imported) for t in result.tables] == [(12, 12), (3, 3)]
    assert instance.tokens_issued == 1
    assert table_requests(instance) > 2  # pages of changes and of ids, all with that token
    token_asks = [r for r in instance.requests if r["path"] == "/oauth_token.do"]
    assert token_asks == [{"path": "/oauth_token.do", "grant_type": "client_credentials"}]
    shown = cli.json("connections", "list")[0]
    assert (shown["auth"], shown["user"], shown["secret"]) == ("oauth", CLIENT, "***")


def test_a_token_refused_is_fetched_again_once(cli: Cli, instance: Instance) -> None:
    add(cli, instance)

    def revoke() -> None:
        instance.tokens.clear()  # expired or revoked between two pages

    instance.after_page[1] = revoke
    result = sync()
    assert result.tables[0].imported == 12
    assert instance.tokens_issued == 2
    # The client itself revoked after the next sync's first page: asked for a token once
    # more, refused, and said.
    instance.tables["incident"][3] = incident(3, START + timedelta(days=1), priority="1")

    def revoke_the_client() -> None:
        instance.tokens.clear()
        instance.clients.clear()

    instance.after_page[instance.pages_served + 1] = revoke_the_client
    lines = cli.fails("connections", "sync", "snow")
    assert (
        "refused the OAuth client id and secret (HTTP 401: server_error access_denied)"
        in (lines[-1])
    )
    assert instance.tokens_issued == 3  # each sync starts with a token of its own


def test_a_wrong_client_secret_is_one_clear_error_and_set_mends_it(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance, "not-the-secret")
    tested = cli.run("connections", "test", "snow")
    assert tested.exit_code == 1
    assert "refused the OAuth client id and secret (HTTP 401" in tested.stdout
    assert "not-the-secret" not in tested.stdout
    assert instance.tokens_issued == 0
    mended = cli.runner.invoke(
        app, ["connections", "set", "snow", "--secret-stdin"], input=f"{SECRET}\n"
    )
    assert mended.exit_code == 0, mended.output
    assert sync().tables[0].imported == 12
    with transaction(write=False) as session:
        details = [e.detail or "" for e in session.execute(select(AuditEvent)).scalars()]
    assert all(SECRET not in d and "not-the-secret" not in d for d in details)


def test_oauth_needs_a_client_id_and_its_secret(cli: Cli, instance: Instance) -> None:
    base = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    said = cli.fails(*base, "--auth", "oauth", "--user", CLIENT, code=2)[-1]
    assert "--auth oauth: give the client id as --user and its secret on stdin" in said
    assert (
        "--auth: 'saml' is not one of basic, oauth"
        in cli.fails(*base, "--auth", "saml", code=2)[-1]
    )
    assert cli.json("connections", "list") == []
    # A basic connection turned into an OAuth client in place.
    basic = cli.runner.invoke(
        app, [*base, "--user", "sync.user", "--secret-stdin"], input="whatever\n"
    )
    assert basic.exit_code == 0, basic.output
    turned = cli.runner.invoke(
        app,
        ["connections", "set", "snow", "--auth", "oauth", "--user", CLIENT, "--secret-stdin"],
        input=f"{SECRET}\n",
    )
    assert turned.exit_code == 0, turned.output
    assert f"auth oauth; user {CLIENT}; secret" in turned.output
    assert sync().tables[0].imported == 12
