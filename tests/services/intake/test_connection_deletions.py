"""Records deleted in ServiceNow (the loopback Table API): noticed by listing a table's ids at
most once a day, marked, kept, and counted no more in metrics and detectors; a restored record
counts again; a deletion while the ids are listed marks no record that is still there. PostgreSQL too
when IMPROVE_TEST_POSTGRES_URL is set (the ``store`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from ci_workflow.domain.clock import history_at
from ci_workflow.domain.measures.window import Window
from ci_workflow.store.db import transaction
from ci_workflow.store.tables import Incident
from tests.helpers import Cli
from tests.services.intake.deleted_records import counted, marked
from tests.services.intake.servicenow_server import Instance, servicenow
from tests.services.intake.test_servicenow_sync import (
    START,
    change,
    incident,
    incidents_and_changes,
    sync,
)
from tests.services.intake.test_servicenow_sync import add as add_connection

COUNT, CHANGES = 23, 7
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)  # history is the past
WINDOW = Window(START - timedelta(days=1), START + timedelta(days=30))


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with servicenow() as served:
        served.tables["incident"] = [
            incident(n, START + timedelta(minutes=n)) for n in range(COUNT)
        ]
        served.tables["change_request"] = [
            change(n, START + timedelta(minutes=n)) for n in range(CHANGES)
        ]
        yield served


def add(cli: Cli, instance: Instance) -> None:
    add_connection(cli, instance, "--mapping", incidents_and_changes())


def listing_requests(instance: Instance) -> int:
    return sum(
        1
        for r in instance.requests
        if r.get("sysparm_query", "").startswith(("ORDERBYsys_id", "sys_id>"))
    )


def delete(instance: Instance, table: str, numbers: set[str]) -> None:
    kept = [r for r in instance.tables[table] if r["number"][0] not in numbers]
    assert len(kept) == len(instance.tables[table]) - len(numbers)
    instance.tables[table][:] = kept


def test_deleted_records_are_marked_at_the_daily_listing_and_counted_no_more(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    with history_at(NOW):
        first = sync()
    assert [t.deleted for t in first.tables] == [0, 0]
    # The first sync read each table whole from its beginning: that is its listing, not asked.
    assert listing_requests(instance) == 0
    closed_changes = sum(1 for n in range(CHANGES) if n % 3 != 2)  # Closed or Canceled
    assert counted(WINDOW)[1:] == (COUNT, closed_changes)
    gone = {"INC0000002", "INC0000009", "INC0000015"}
    delete(instance, "incident", gone)
    delete(instance, "change_request", {"CHG0000004"})
    with history_at(NOW + timedelta(hours=2)):  # listed less than a day ago: not again
        again = sync()
    assert [t.deleted for t in again.tables] == [0, 0]
    assert marked(COUNT, CHANGES) == (set(), set())
    with history_at(NOW + timedelta(days=1)):
        later = sync()
    assert [(t.table, t.deleted) for t in later.tables] == [
        ("incident", 3),
        ("change_request", 1),
    ]
    assert marked(COUNT, CHANGES) == (gone, {"CHG0000004"})
    assert listing_requests(instance) > 0  # the day after: each table's ids listed
    assert counted(WINDOW)[0] == COUNT - 3
    assert counted(WINDOW)[1:] == (COUNT - 3, closed_changes - 1)
    listed = {t["table"]: t for t in cli.json("connections", "list")[0]["tables"]}
    assert (listed["incident"]["deleted"], listed["change_request"]["deleted"]) == (3, 1)
    shown = cli.ok("connections", "list").stdout
    assert "3 deleted in the tool" in " ".join(shown.split())
    # Restored in ServiceNow: counted again at the next listing.
    instance.tables["incident"].append(incident(9, START + timedelta(minutes=9)))
    with history_at(NOW + timedelta(days=2)):
        restored = sync()
    assert restored.tables[0].deleted == 0
    assert marked(COUNT, CHANGES) == (gone - {"INC0000009"}, {"CHG0000004"})
    assert cli.json("connections", "list")[0]["tables"][0]["deleted"] == 2
    assert counted(WINDOW)[0] == COUNT - 2


def test_a_record_deleted_while_the_ids_are_listed_marks_no_other(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    with history_at(NOW):
        sync()
    # The next sync: each table's changes (none: one page each), then incident's ids, five a
    # page. Right after the first page of ids, a record of that page is deleted: an offset
    # would now skip the sixth record, which would look deleted.
    first_ids_page = instance.pages_served + 3

    def delete_a_listed_record() -> None:
        delete(instance, "incident", {"INC0000001"})

    instance.after_page[first_ids_page] = delete_a_listed_record
    with history_at(NOW + timedelta(days=1)):
        result = sync()
    assert not instance.after_page  # the deletion happened during the listing
    # It was listed before it went: nothing marked now (an offset would have marked INC5)...
    assert result.tables[0].deleted == 0
    assert marked(COUNT, CHANGES) == (set(), set())
    # ...and the next day's list notices it.
    with history_at(NOW + timedelta(days=2)):
        assert sync().tables[0].deleted == 1
    assert marked(COUNT, CHANGES) == ({"INC0000001"}, set())


def test_records_imported_from_a_file_are_never_marked(cli: Cli, instance: Instance) -> None:
    with transaction() as session:
        session.add(Incident(number="INC9999999", opened_at=START + timedelta(hours=1)))
    add(cli, instance)
    with history_at(NOW):
        sync()
    with transaction(write=False) as session:
        kept = session.execute(
            select(Incident).where(col(Incident.number) == "INC9999999")
        ).scalar_one()
        sources = set(session.execute(select(col(Incident.source))).scalars())
    assert kept.deleted_at is None and kept.source is None
    assert sources == {None, "snow"}


def test_a_listing_that_lost_most_records_marks_none_and_says_why(
    cli: Cli, instance: Instance
) -> None:
    """The account lost its right to most incidents (the tool lists 5 of 23): believing it would
    mark 18 deleted. None is marked; the table's row says why; a full listing later clears it."""
    add(cli, instance)
    with history_at(NOW):
        sync()
    everything = list(instance.tables["incident"])
    instance.tables["incident"][:] = everything[:5]
    with history_at(NOW + timedelta(days=1)):
        result = sync()
    incidents_table = result.tables[0]
    assert (incidents_table.deleted, incidents_table.held) == (0, COUNT - 5)
    assert marked(COUNT, CHANGES) == (set(), set())
    assert counted(WINDOW)[0] == COUNT
    listed = cli.json("connections", "list")[0]["tables"][0]
    assert listed["deleted"] == 0
    assert f"{COUNT - 5} records synced before are missing" in listed["error"]
    assert "none marked deleted" in listed["error"]
    instance.tables["incident"][:] = everything
    delete(instance, "incident", {"INC0000003"})  # one really deleted meanwhile
    with history_at(NOW + timedelta(days=2)):
        later = sync()
    assert (later.tables[0].deleted, later.tables[0].held) == (1, 0)
    assert marked(COUNT, CHANGES) == ({"INC0000003"}, set())
    assert cli.json("connections", "list")[0]["tables"][0]["error"] is None
