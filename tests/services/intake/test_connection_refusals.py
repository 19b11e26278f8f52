"""What goes wrong with a connection, as its CI manager sees it: wrong credentials, a table the
instance does not serve, an answer that is not JSON, a mapped field missing; who may manage
connections; and the secret, never shown."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ci_workflow.cli.app import app
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent, ChangeRecord, Incident
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import START, change, incident

SECRET = "s3cret-Pa55"


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [incident(n, START + timedelta(minutes=n)) for n in range(8)]
        served.tables["change_request"] = [change(n, START) for n in range(3)]
        yield served


def add(cli: Cli, instance: Instance, *extra: str, secret: str = SECRET) -> str:
    args = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    args += ["--user", "sync.user", "--secret-stdin", *extra]
    result = cli.runner.invoke(app, args, input=f"{secret}\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def counts() -> tuple[int, int]:
    with transaction(write=False) as session:
        incidents = session.execute(select(func.count()).select_from(Incident)).scalar_one()
        changes = session.execute(select(func.count()).select_from(ChangeRecord)).scalar_one()
    return incidents, changes


def error_shown(cli: Cli) -> dict[str, str | None]:
    return {t["table"]: t["error"] for t in cli.json("connections", "list")[0]["tables"]}


def test_wrong_credentials_are_one_clear_error_in_test_and_sync(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance, secret="not-the-password")
    tested = cli.run("connections", "test", "snow")
    assert tested.exit_code == 1
    assert "incident: FAILED: 127.0.0.1 refused the credentials (HTTP 401: User Not " in (
        tested.stdout
    )
    lines = cli.fails("connections", "sync", "snow")
    assert "refused the credentials (HTTP 401" in lines[-1]
    assert counts() == (0, 0)
    assert "refused the credentials" in str(error_shown(cli)["incident"])


def test_a_table_the_instance_does_not_serve_leaves_every_table_unwritten(
    cli: Cli, instance: Instance
) -> None:
    del instance.tables["change_request"]
    add(cli, instance)
    tested = cli.run("connections", "test", "snow")
    assert "incident: ok: reachable, 8 records, its fields all there" in tested.stdout
    assert "change_request: FAILED: change_request: not a table this instance serves (HTTP " in (
        tested.stdout
    )
    lines = cli.fails("connections", "sync", "snow")
    assert (
        "not a table this instance serves (HTTP 400: Invalid table change_request)" in (lines[-1])
    )
    assert counts() == (0, 0)  # the incidents, read well, wait for the whole sync
    shown = cli.json("connections", "list")[0]["tables"]
    assert all(t["cursor"] is None and t["synced_at"] is None for t in shown)


def test_an_answer_that_is_not_json_is_refused(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    html = {"Content-Type": "text/html"}
    instance.queued.append((200, html, b"<html><body>Log in to continue</body></html>"))
    lines = cli.fails("connections", "sync", "snow")
    assert (
        "incident: the answer is not JSON (text/html): is the URL the instance's own?"
        in (lines[-1])
    )
    assert counts() == (0, 0)


def test_a_mapped_field_missing_from_the_answer_is_named(
    cli: Cli, instance: Instance, tmp_path: Path
) -> None:
    from ci_workflow.services.intake.itsm.servicenow import MAPPING as DEFAULT_MAPPING

    mapping = tmp_path / "snow.yaml"
    mapping.write_text(DEFAULT_MAPPING.replace("category: category", "category: u_category"))
    add(cli, instance, "--mapping", str(mapping))
    said = "incident: the field 'u_category' is not in the answer: is the mapping's column right?"
    assert f"incident: FAILED: {said}" in cli.run("connections", "test", "snow").stdout
    assert said in cli.fails("connections", "sync", "snow")[-1]
    assert counts() == (0, 0)
    assert error_shown(cli)["incident"] == said


def test_a_bad_mapping_or_period_is_refused_before_anything_is_kept(
    cli: Cli, instance: Instance, tmp_path: Path
) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("kb_knowledge:\n  columns: {id: number}\n")
    base = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    lines = cli.fails(*base, "--mapping", str(mapping))
    assert any(str(mapping) in line and "incident, change_request" in line for line in lines)
    assert "--every: '1s' is not a period like 15m" in cli.fails(*base, "--every", "1s", code=2)[-1]
    assert (
        "--kind: 'remedy' is not one of servicenow, jira, glpi"
        in cli.fails(*base[:3], "--kind", "remedy", "--url", instance.url, code=2)[-1]
    )
    assert cli.json("connections", "list") == []


def test_only_a_ci_manager_manages_connections_and_the_secret_is_never_shown(
    cli: Cli, instance: Instance
) -> None:
    cli.ok("people", "add", "Cora", "--email", "cora@example.org", "--role", "ci_manager")
    cli.ok("people", "add", "Tom", "--email", "tom@example.org", "--role", "improvement_team")
    out = add(cli, instance, "--as", "cora@example.org", "--every", "15m")
    assert SECRET not in out
    for command in (["sync", "snow"], ["test", "snow"], ["remove", "snow"]):
        lines = cli.fails("connections", *command, "--as", "tom@example.org")
        assert "only a CI manager manages connections to ITSM tools" in lines[-1]
    listed = cli.ok("connections", "list").stdout
    shown = cli.json("connections", "list")
    assert shown[0]["secret"] == "***" and shown[0]["user"] == "sync.user"
    assert shown[0]["every"] == "15m"
    synced = cli.ok("connections", "sync", "snow", "--as", "cora@example.org").stdout
    assert "incident: 8 read, 8 incidents new, 0 updated" in synced
    assert "change_request: 3 read, 3 changes new, 0 updated" in synced
    with transaction(write=False) as session:
        trail = session.execute(select(AuditEvent)).scalars().all()
    acts = [(e.actor, e.action) for e in trail]
    assert ("Cora", "connection_added") in acts and ("Cora", "connection_synced") in acts
    assert acts.count(("Tom", "forbidden")) == 3
    assert all(SECRET not in f"{e.detail}" for e in trail)
    assert SECRET not in listed + synced + str(shown)
    register = Path(os.environ["IMPROVE_HOME"]) / "improve.db"
    if register.exists():  # on SQLite the secret is in a file only its owner may read
        assert register.stat().st_mode & 0o077 == 0
    cli.ok("connections", "remove", "snow", "--as", "cora@example.org")
    assert cli.json("connections", "list") == []
    assert counts() == (8, 3)  # the records it brought stay


def test_the_default_mapping_is_the_example_shipped() -> None:
    from ci_workflow.services.intake.connections import table_mappings
    from ci_workflow.services.intake.itsm.servicenow import MAPPING as DEFAULT_MAPPING

    example = Path(__file__).resolve().parents[3] / "examples/mappings/servicenow_connection.yaml"
    assert example.read_text(encoding="utf-8") == DEFAULT_MAPPING
    assert set(table_mappings(DEFAULT_MAPPING, str(example), "servicenow")) == {
        "incident",
        "change_request",
        "problem",
        "task_sla",
    }
