"""Changing a connection in place (``improve connections set``): a new password or period
keeps where each table's sync stands; a new URL or a table's new mapping reads it anew; a
problem changes nothing; only a CI manager changes one; the secret is never audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ci_workflow.cli.app import app
from ci_workflow.services.intake.itsm.servicenow import MAPPING as DEFAULT_MAPPING
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import AuditEvent
from tests.helpers import Cli
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import (
    START,
    change,
    incident,
    incidents_and_changes,
    stamp,
    sync,
)

OLD, NEW = "old-Pa55", "n3w-Pa55word"


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [incident(n, START + timedelta(minutes=n)) for n in range(9)]
        served.tables["change_request"] = [
            change(n, START + timedelta(minutes=n)) for n in range(4)
        ]
        served.users = {"sync.user": OLD}
        yield served


def run(cli: Cli, *args: str, secret: str | None = None) -> Any:
    return cli.runner.invoke(app, list(args), input=f"{secret}\n" if secret is not None else None)


def add(cli: Cli, instance: Instance, *extra: str) -> None:
    args = ["connections", "add", "snow", "--kind", "servicenow", "--url", instance.url]
    if "--mapping" not in extra:
        args += ["--mapping", incidents_and_changes()]
    result = run(cli, *args, "--user", "sync.user", "--secret-stdin", *extra, secret=OLD)
    assert result.exit_code == 0, result.output


def cursors(cli: Cli) -> dict[str, str | None]:
    return {t["table"]: t["cursor"] for t in cli.json("connections", "list")[0]["tables"]}


def audited() -> list[tuple[str, str]]:
    with transaction(write=False) as session:
        trail = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    return [(e.action, e.detail or "") for e in trail if e.action.startswith("connection")]


def test_a_new_password_and_period_keep_each_tables_cursor(cli: Cli, instance: Instance) -> None:
    add(cli, instance, "--every", "15m")
    sync()
    kept = cursors(cli)
    assert kept == {
        "incident": stamp(START + timedelta(minutes=8)),
        "change_request": stamp(START + timedelta(minutes=3)),
    }
    instance.users = {"sync.user": NEW}  # the password was changed in ServiceNow
    with pytest.raises(Exception, match="refused the credentials"):
        sync()
    changed = run(cli, "connections", "set", "snow", "--secret-stdin", "--every", "2h", secret=NEW)
    assert changed.exit_code == 0, changed.output
    assert "connection snow changed: secret; every 2h" in changed.output
    assert NEW not in changed.output
    shown = cli.json("connections", "list")[0]
    assert (shown["secret"], shown["every"]) == ("***", "2h")
    assert cursors(cli) == kept
    instance.tables["incident"][4] = incident(4, START + timedelta(days=1), priority="1")
    again = sync()
    assert [(t.read, t.updated) for t in again.tables] == [(1, 1), (0, 0)]
    assert audited()[-2][0] == "connection_changed"
    assert audited()[-2][1] == "snow: secret; every 2h"
    assert all(NEW not in d and OLD not in d for _, d in audited())
    cli.ok("connections", "set", "snow", "--every", "off")
    assert cli.json("connections", "list")[0]["every"] is None


def test_a_new_url_reads_every_table_anew(cli: Cli, instance: Instance) -> None:
    add(cli, instance)
    sync()
    with servicenow() as other:
        other.tables = instance.tables
        other.users = instance.users
        said = cli.ok("connections", "set", "snow", "--url", other.url + "/").stdout
        assert f"url {other.url}; read again from the beginning: incident, change_request" in (
            said.replace("\n", "")
        )
        assert cursors(cli) == {"incident": None, "change_request": None}
        result = sync()
        assert [(t.read, t.imported, t.updated) for t in result.tables] == [(9, 0, 9), (4, 0, 4)]
        assert cli.json("connections", "list")[0]["url"] == other.url


def test_a_table_whose_mapping_changed_is_read_anew_and_the_others_keep_their_cursor(
    cli: Cli, instance: Instance, tmp_path: Path
) -> None:
    only_incidents = tmp_path / "incidents.yaml"
    only_incidents.write_text(DEFAULT_MAPPING.split("change_request:")[0])
    add(cli, instance, "--mapping", str(only_incidents))
    sync()
    kept = cursors(cli)["incident"]
    # change_request newly read: from the beginning; incident's mapping unchanged: kept.
    both = Path(incidents_and_changes())
    assert "mapping" in cli.ok("connections", "set", "snow", "--mapping", str(both)).stdout
    assert cursors(cli) == {"incident": kept, "change_request": None}
    assert [(t.table, t.read) for t in sync().tables] == [("incident", 0), ("change_request", 4)]
    # incident's mapping changed: its records are read again, the changes keep their cursor.
    relabelled = tmp_path / "relabelled.yaml"
    relabelled.write_text(both.read_text().replace("  - 'true'", "  - 'true'\n  - 'Yes'"))
    said = cli.ok("connections", "set", "snow", "--mapping", str(relabelled)).stdout
    assert "read again from the beginning: incident" in said.replace("\n", "")
    assert cursors(cli)["change_request"] == stamp(START + timedelta(minutes=3))
    assert [(t.table, t.read) for t in sync().tables] == [("incident", 9), ("change_request", 0)]
    # change_request no longer read: its row kept, and it reads on from its cursor if mapped again.
    cli.ok("connections", "set", "snow", "--mapping", str(only_incidents))
    assert set(cursors(cli)) == {"incident"}
    cli.ok("connections", "set", "snow", "--mapping", str(both))
    assert cursors(cli)["change_request"] == stamp(START + timedelta(minutes=3))


def test_a_problem_changes_nothing(cli: Cli, instance: Instance, tmp_path: Path) -> None:
    add(cli, instance, "--every", "15m")
    sync()
    before = cli.json("connections", "list")
    bad = tmp_path / "bad.yaml"
    bad.write_text("outage:\n  columns: {id: number}\n")  # not a table ServiceNow's kind reads
    lines = cli.fails("connections", "set", "snow", "--every", "1h", "--mapping", str(bad))
    known = "incident, change_request, problem, task_sla"
    assert any(str(bad) in line and known in line for line in lines)
    said = cli.fails("connections", "set", "snow", "--every", "1s", code=2)[-1]
    assert "--every: '1s' is not a period like 15m, 2h or 1d (or off)" in said
    url = cli.fails("connections", "set", "snow", "--url", "ftp://x", "--every", "1h", code=2)
    assert "--url: 'ftp://x' is not an http(s) URL" in url[-1]
    nothing = cli.fails("connections", "set", "snow", code=2)[-1]
    assert "nothing to change" in nothing
    same = cli.fails("connections", "set", "snow", "--every", "15m", code=2)[-1]
    assert "snow: nothing changed" in same
    no_user = run(cli, "connections", "set", "snow", "--user", "", "--every", "1h")
    assert no_user.exit_code == 2 and "name the user" in no_user.output
    assert "no connection named lab" in cli.fails("connections", "set", "lab", "--every", "1h")[-1]
    assert cli.json("connections", "list") == before
    assert [a for a, _ in audited()] == ["connection_added", "connection_synced"]


def test_only_a_ci_manager_changes_a_connection(cli: Cli, instance: Instance) -> None:
    cli.ok("people", "add", "Cora", "--email", "cora@example.org", "--role", "ci_manager")
    cli.ok("people", "add", "Tom", "--email", "tom@example.org", "--role", "improvement_team")
    add(cli, instance)
    refused = run(
        cli, "connections", "set", "snow", "--secret-stdin", "--as", "tom@example.org", secret=NEW
    )
    assert refused.exit_code != 0
    assert "only a CI manager manages connections to ITSM tools" in refused.output
    done = run(
        cli, "connections", "set", "snow", "--secret-stdin", "--as", "cora@example.org", secret=NEW
    )
    assert done.exit_code == 0, done.output
    assert audited()[-1] == ("connection_changed", "snow: secret")
    instance.users = {"sync.user": NEW}
    assert sync().tables[0].imported == 9
