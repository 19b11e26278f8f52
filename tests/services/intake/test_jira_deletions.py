"""Issues deleted in Jira (the loopback site, Cloud and Data Center): a deleted issue is gone from
search, so at most once a day its table's issues are listed by id, and those missing are marked,
kept and counted no more; one archived and restored counts again; an issue deleted while the ids
are listed marks no other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ci_workflow.domain.clock import history_at
from ci_workflow.domain.measures.window import Window
from tests.helpers import Cli
from tests.services.intake.deleted_records import counted, marked
from tests.services.intake.jira_server import Site, jira
from tests.services.intake.test_jira_sync import (
    START,
    add,
    change,
    every_20_seconds,
    expected_outcome,
    incident,
    sync,
)

INCIDENTS, CHANGES = 23, 7
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)  # history is the past
WINDOW = Window(START - timedelta(days=3), START + timedelta(days=30))


@pytest.fixture(params=[True, False], ids=["cloud", "data-center"])
def site(request: pytest.FixtureRequest, store: str) -> Iterator[Site]:
    with jira(cloud=request.param) as served:
        served.issues = [incident(n, every_20_seconds(n)) for n in range(INCIDENTS)]
        served.issues += [change(n, START) for n in range(CHANGES)]
        served.most_results = 4  # fewer than the five asked: the listing asks on
        yield served


def connect(cli: Cli, site: Site) -> None:
    add(cli, site, secret="api-t0ken" if site.cloud else "pat-d4ta-center")


def listings(site: Site) -> list[dict[str, str]]:
    return [r for r in site.requests if "ORDER BY id ASC" in r.get("jql", "")]


def closed_changes(gone: set[int]) -> int:
    return sum(1 for n in range(CHANGES) if expected_outcome(n) != "open" and n not in gone)


def test_deleted_issues_are_marked_at_the_daily_listing_and_counted_no_more(
    cli: Cli, site: Site
) -> None:
    connect(cli, site)
    with history_at(NOW):
        first = sync()
    assert [t.deleted for t in first.tables] == [0, 0, 0]
    assert listings(site) == []  # read whole from the beginning: that was the listing
    assert counted(WINDOW) == (INCIDENTS, INCIDENTS, closed_changes(set()))
    for key in ("ITS-3", "ITS-10", "ITS-17"):
        site.delete(key)
    site.archived.add("CHG-1")  # archived: out of every search, as a deleted one
    with history_at(NOW + timedelta(hours=2)):  # listed less than a day ago: not again
        assert [t.deleted for t in sync().tables] == [0, 0, 0]
    assert marked(INCIDENTS, CHANGES) == (set(), set())
    with history_at(NOW + timedelta(days=1)):
        later = sync()
    assert [(t.table, t.deleted) for t in later.tables] == [
        ("incident", 3),
        ("change", 1),
        ("problem", 0),
    ]
    assert marked(INCIDENTS, CHANGES) == ({"ITS-3", "ITS-10", "ITS-17"}, {"CHG-1"})
    assert counted(WINDOW) == (INCIDENTS - 3, INCIDENTS - 3, closed_changes({0}))
    # Each table listed by id within its own JQL, asking for no field it does not need (the
    # problems, none yet, are still read whole: that is their listing).
    pages = listings(site)
    assert {p["jql"].split(") ")[0] + ")" for p in pages} == {
        "(issuetype = Incident)",
        "(issuetype = Change)",
    }
    assert {p["fields"] for p in pages} == {"key"}
    assert any(" AND id > " in p["jql"] for p in pages)
    listed = {t["table"]: t["deleted"] for t in cli.json("connections", "list")[0]["tables"]}
    assert listed == {"incident": 3, "change": 1, "problem": 0}
    # Restored from the archive: counted again at the next listing.
    site.archived.discard("CHG-1")
    with history_at(NOW + timedelta(days=2)):
        restored = sync()
    assert [t.deleted for t in restored.tables] == [0, 0, 0]
    assert marked(INCIDENTS, CHANGES) == ({"ITS-3", "ITS-10", "ITS-17"}, set())
    assert counted(WINDOW)[2] == closed_changes(set())


def test_an_issue_deleted_while_the_ids_are_listed_marks_no_other(cli: Cli, site: Site) -> None:
    connect(cli, site)
    with history_at(NOW):
        sync()
    # The next sync reads each table's changes, then lists incident's ids, four a search.
    # Right after the first of them, an issue it listed is deleted: an offset would now skip
    # the fifth issue, which would look deleted.

    def delete_once_listing() -> None:
        if listings(site) and any(i.key == "ITS-2" for i in site.issues):
            site.delete("ITS-2")

    for page in range(site.pages_served + 1, site.pages_served + 10):
        site.after_page[page] = delete_once_listing
    with history_at(NOW + timedelta(days=1)):
        result = sync()
    site.after_page.clear()
    first_listing = listings(site)[0]
    assert " AND id > " not in first_listing["jql"]  # ITS-2 was on it, then deleted
    assert all(i.key != "ITS-2" for i in site.issues)
    assert len(listings(site)) > 1  # the listing went on after the deletion
    assert result.tables[0].deleted == 0
    assert marked(INCIDENTS, CHANGES) == (set(), set())
    with history_at(NOW + timedelta(days=2)):
        assert sync().tables[0].deleted == 1
    assert marked(INCIDENTS, CHANGES) == ({"ITS-2"}, set())
