"""Items deleted in GLPI (the loopback API): put in the trash or purged, either way gone from its
search, so at most once a day each itemtype's ids are listed by id (within the table's own
criteria) and the register's records missing are marked, kept and counted no more; one restored
from the trash counts again; an item purged while the ids are listed marks no other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.clock import history_at
from ci_workflow.domain.measures.window import Window
from tests.helpers import Cli
from tests.services.intake.deleted_records import counted, marked
from tests.services.intake.glpi_server import Instance, glpi
from tests.services.intake.test_glpi_sync import (
    APP_TOKEN,
    CHANGES,
    INCIDENTS,
    START,
    STATES,
    TICKETS,
    USER_TOKEN,
    add,
    change,
    is_request,
    searches,
    sync,
    ticket,
)

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)  # history is the past
WINDOW = Window(START - timedelta(days=1), START + timedelta(days=30))


@pytest.fixture
def instance(store: str) -> Iterator[Instance]:
    with glpi() as served:
        served.user_tokens[USER_TOKEN] = "glpi-sync"
        served.app_token = APP_TOKEN
        served.items["Ticket"] = [ticket(n, START + timedelta(minutes=n)) for n in range(TICKETS)]
        served.items["Change"] = [change(n, START + timedelta(minutes=n)) for n in range(CHANGES)]
        served.items["Problem"] = []
        served.most_rows = 4  # fewer than the five asked: the listing asks on
        yield served


def listings(instance: Instance, itemtype: str = "Ticket") -> list[dict[str, str]]:
    return [r for r in searches(instance, itemtype) if r.get("sort") == "2"]


def closed_changes(gone: set[int]) -> int:
    """Changes with a closing date (closed or canceled; an applied one has none)."""
    return sum(1 for n in range(CHANGES) if STATES[n % 4] in (6, 14) and n not in gone)


def test_items_trashed_or_purged_are_marked_at_the_daily_listing_and_counted_no_more(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    with history_at(NOW):
        first = sync()
    assert [t.deleted for t in first.tables] == [0, 0, 0]
    assert listings(instance) == []  # read whole from the beginning: that was the listing
    assert counted(WINDOW) == (INCIDENTS, INCIDENTS, closed_changes(set()))
    assert not is_request(2) and not is_request(9) and not is_request(14)
    instance.put_in_trash("Ticket", 102)
    instance.put_in_trash("Ticket", 109)
    instance.purge("Ticket", 114)  # purged at once
    instance.purge("Change", 500)
    with history_at(NOW + timedelta(hours=2)):  # listed less than a day ago: not again
        assert [t.deleted for t in sync().tables] == [0, 0, 0]
    assert marked(INCIDENTS, CHANGES) == (set(), set())
    with history_at(NOW + timedelta(days=1)):
        later = sync()
    assert [(t.table, t.deleted) for t in later.tables] == [
        ("Ticket", 3),
        ("Change", 1),
        ("Problem", 0),
    ]
    assert marked(INCIDENTS, CHANGES) == ({"102", "109", "114"}, {"500"})
    assert counted(WINDOW) == (INCIDENTS - 3, INCIDENTS - 3, closed_changes({0}))
    # Tickets listed by id, incidents only (type 1), as the sync reads them; the trash not asked.
    pages = listings(instance)
    assert {(p["criteria[0][field]"], p["criteria[0][value]"]) for p in pages} == {("14", "1")}
    assert {p.get("criteria[1][searchtype]") for p in pages[1:]} == {"morethan"}
    assert all("is_deleted" not in p for p in pages)
    assert {p["forcedisplay[0]"] for p in pages} == {"2"} and all(
        "forcedisplay[1]" not in p for p in pages
    )
    listed = {t["table"]: t["deleted"] for t in cli.json("connections", "list")[0]["tables"]}
    assert listed == {"Ticket": 3, "Change": 1, "Problem": 0}
    # Restored from the trash: counted again at the next listing; the purged one stays marked.
    instance.restore("Ticket", 109)
    with history_at(NOW + timedelta(days=2)):
        restored = sync()
    assert [t.deleted for t in restored.tables] == [0, 0, 0]
    assert marked(INCIDENTS, CHANGES) == ({"102", "114"}, {"500"})
    assert counted(WINDOW)[0] == INCIDENTS - 2


def test_an_item_purged_while_the_ids_are_listed_marks_no_other(
    cli: Cli, instance: Instance
) -> None:
    add(cli, instance)
    with history_at(NOW):
        sync()

    # Right after the first page of Ticket ids, a ticket it listed is purged: an offset would
    # now skip the first ticket of the next page, which would look deleted.
    def purge_once_listing() -> None:
        if listings(instance) and any(r["2"] == 101 for r in instance.items["Ticket"]):
            instance.purge("Ticket", 101)

    for page in range(instance.pages_served + 1, instance.pages_served + 10):
        instance.after_page[page] = purge_once_listing
    with history_at(NOW + timedelta(days=1)):
        result = sync()
    instance.after_page.clear()
    assert "criteria[1][field]" not in listings(instance)[0]  # the first page: 101 on it
    assert all(r["2"] != 101 for r in instance.items["Ticket"])
    assert len(listings(instance)) > 1  # the listing went on after the purge
    assert result.tables[0].deleted == 0
    assert marked(INCIDENTS, CHANGES) == (set(), set())
    with history_at(NOW + timedelta(days=2)):
        assert sync().tables[0].deleted == 1
    assert marked(INCIDENTS, CHANGES) == ({"101"}, set())
