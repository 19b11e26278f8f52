"""A hand-written ``sql`` source over the register's own records leaves out what the ITSM tool
deleted, as the ``incidents`` source and the detectors do: through the views ``live_incidents``
and ``live_change_records``; one that reads the tables themselves unfiltered is warned about
when applied. The views on PostgreSQL too when IMPROVE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from ci_workflow.domain.clock import history_at
from ci_workflow.domain.measures.window import Window
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from tests.helpers import Cli, improvement_doc, objective_doc, write_yaml
from tests.metrics.sources import measure
from tests.services.intake.deleted_records import counted
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_connection_deletions import add, delete
from tests.services.intake.test_servicenow_sync import START, change, incident, sync

COUNT, CHANGES = 17, 6
GONE_INCIDENTS = {"INC0000003", "INC0000011"}
GONE_CHANGES = {"CHG0000002"}
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
WINDOW = Window(START - timedelta(days=1), START + timedelta(days=30))


@pytest.fixture
def instance() -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [
            incident(n, START + timedelta(minutes=n)) for n in range(COUNT)
        ]
        served.tables["change_request"] = [
            change(n, START + timedelta(minutes=n)) for n in range(CHANGES)
        ]
        yield served


def synced_with_deletions(cli: Cli, instance: Instance) -> None:
    """Synced, then some records deleted in the tool and noticed by the next day's listing."""
    add(cli, instance)
    with history_at(NOW):
        sync()
    delete(instance, "incident", GONE_INCIDENTS)
    delete(instance, "change_request", GONE_CHANGES)
    with history_at(NOW + timedelta(days=1)):
        sync()


def still_in_the_tool(instance: Instance, table: str) -> int:
    return len(instance.tables[table])


def test_the_live_views_hold_the_records_the_tool_still_has(
    store: str, cli: Cli, instance: Instance
) -> None:
    synced_with_deletions(cli, instance)
    with transaction(write=False) as session:
        counted = {
            name: session.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
            for name in ("incidents", "live_incidents", "change_record", "live_change_records")
        }
    assert counted == {
        "incidents": COUNT,  # kept: what was measured from them stands
        "live_incidents": still_in_the_tool(instance, "incident"),
        "change_record": CHANGES,
        "live_change_records": still_in_the_tool(instance, "change_request"),
    }
    assert counted["live_incidents"] == COUNT - len(GONE_INCIDENTS)


def test_a_sql_source_over_the_register_counts_as_the_incidents_source(
    cli: Cli, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    synced_with_deletions(cli, instance)
    home = get_settings().home_dir
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", str(home))
    get_settings.cache_clear()
    register = f"sqlite:///{home / 'improve.db'}"

    def sql(query: str) -> float:
        return measure({"kind": "sql", "url": register, "query": query}, WINDOW)

    expected = still_in_the_tool(instance, "incident")
    assert sql("SELECT COUNT(*) FROM live_incidents") == expected == counted(WINDOW)[0]
    assert sql("SELECT COUNT(*) FROM incidents WHERE deleted_at IS NULL") == expected
    assert sql("SELECT COUNT(*) FROM incidents") == COUNT  # what the warning is about
    assert sql("SELECT COUNT(*) FROM live_change_records") == still_in_the_tool(
        instance, "change_request"
    )


def _applied(cli: Cli, folder: Path, key: str, url: str, query: str) -> str:
    source = {"kind": "sql", "url": url, "query": query}
    folder.mkdir()
    doc = improvement_doc(key=key, objectives=[objective_doc(metric="open_count", source=source)])
    return " ".join(cli.ok("apply", str(write_yaml(folder, doc))).stdout.split())


def test_apply_warns_of_a_sql_source_reading_the_registers_records_unfiltered(
    people: None, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPROVE_DATA_ROOTS", str(tmp_path))  # the register's folder in it
    get_settings.cache_clear()
    register = get_settings().store_url
    warned = _applied(
        cli, tmp_path / "a", "raw", register, "SELECT COUNT(*) FROM incidents i JOIN x ON 1 = 1"
    )
    assert "IMP-0001 created: raw" in warned
    assert (
        "warning: IMP-0001 objective 'open_count': its sql source reads the register's "
        "incidents without deleted_at, so it also counts records deleted in their ITSM tool; "
        "read live_incidents instead (or add deleted_at IS NULL)"
    ) in warned
    changes = _applied(
        cli, tmp_path / "b", "changes", register, 'SELECT COUNT(*) FROM "change_record"'
    )
    assert "reads the register's change_record without deleted_at" in changes
    assert "read live_change_records instead" in changes
    quiet = {
        "live": (register, "SELECT COUNT(*) FROM live_incidents"),
        "filtered": (register, "SELECT COUNT(*) FROM incidents WHERE deleted_at IS NULL"),
        "commented": (register, "SELECT COUNT(*) FROM live_incidents -- not FROM incidents"),
        "elsewhere": ("sqlite:///" + str(tmp_path / "itsm.db"), "SELECT COUNT(*) FROM incidents"),
    }
    for key, (url, query) in quiet.items():
        said = _applied(cli, tmp_path / key, key, url, query)
        assert f"created: {key}" in said and "warning" not in said, said
