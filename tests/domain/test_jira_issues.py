"""Reading Jira issues: the JQL of a page in the user's zone, Jira's times as UTC text, nested
fields as text, and the counts from an issue's changelog."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ci_workflow.domain.records.itsm_sync import Cursor, MissingField
from ci_workflow.domain.records.jira_issues import (
    MAX_JQL,
    asked_fields,
    check_jql,
    flatten_issue,
    ids_jql,
    in_order,
    jql_since,
    reassignments,
    reopens,
    search_jql,
    utc_text,
    wants_history,
)

BERLIN = ZoneInfo("Europe/Berlin")
DONE = frozenset({"10002", "6"})


def test_a_jql_filter_is_text_without_an_order_of_its_own() -> None:
    assert check_jql("  issuetype = Incident ") == "issuetype = Incident"
    assert check_jql("x" * MAX_JQL) == "x" * MAX_JQL
    assert check_jql("summary ~ 'reorder by'") == "summary ~ 'reorder by'"
    for wrong in (None, 3, "", "   "):
        with pytest.raises(ValueError, match=r"^a JQL filter is text, e\.g\. issuetype = "):
            check_jql(wrong)
    with pytest.raises(ValueError, match=rf"^a JQL filter is at most {MAX_JQL} characters$"):
        check_jql("x" * (MAX_JQL + 1))
    for ordered in ("project = ITS ORDER BY created", "project = ITS order  by key"):
        with pytest.raises(ValueError, match=r"^leave ORDER BY out: the sync reads in the order"):
            check_jql(ordered)


@pytest.fixture
def tokyo_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine whose own time zone is not UTC: nothing may depend on it."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_machine")
def test_jira_times_are_read_as_utc_text() -> None:
    assert utc_text("2026-01-01T10:00:00.000+0100") == "2026-01-01 09:00:00"
    assert utc_text("2026-12-31T22:30:59.999-0500") == "2027-01-01 03:30:59"
    with pytest.raises(ValueError):
        utc_text("2026-01-01 10:00:00")


@pytest.mark.usefixtures("tokyo_machine")
def test_a_page_asks_from_the_cursors_minute_in_the_users_zone() -> None:
    assert jql_since("2026-10-01 08:01:59", BERLIN) == "2026-10-01 10:01"  # summer time, +2
    assert jql_since("2026-12-01 08:01:00", BERLIN) == "2026-12-01 09:01"  # winter time, +1
    assert jql_since("2026-12-01 08:01:00", ZoneInfo("UTC")) == "2026-12-01 08:01"
    # 02:30 happens twice on 25 October: whichever Jira reads, an hour earlier misses nothing.
    assert jql_since("2026-10-25 00:30:00", BERLIN) == "2026-10-25 01:30"
    assert jql_since("2026-10-25 01:30:00", BERLIN) == "2026-10-25 02:30"
    assert jql_since("2026-10-25 02:30:00", BERLIN) == "2026-10-25 03:30"  # once again
    assert search_jql("project = ITS", Cursor(), BERLIN) == (
        "(project = ITS) ORDER BY updated ASC, key ASC"
    )
    assert search_jql("project = ITS", Cursor("2026-10-01 08:01:59"), BERLIN) == (
        '(project = ITS) AND updated >= "2026-10-01 10:01" ORDER BY updated ASC, key ASC'
    )


def test_ids_are_listed_by_the_issues_number_after_the_last_within_the_filter() -> None:
    assert ids_jql("issuetype = Problem", None) == "(issuetype = Problem) ORDER BY id ASC"
    assert ids_jql("project = ITS OR project = OPS", "10482") == (
        "(project = ITS OR project = OPS) AND id > 10482 ORDER BY id ASC"
    )
    with pytest.raises(ValueError) as refused:
        ids_jql("project = ITS", "ITS-12")
    assert str(refused.value) == "an issue id is a number, not 'ITS-12'"


def test_jira_is_asked_for_the_top_level_fields_only() -> None:
    names = ["key", "id", "priority.name", "priority.id", "created", "reopen_count"]
    assert asked_fields([*names, "reassignment_count", "components.name"]) == [
        "components",
        "created",
        "priority",
    ]
    assert wants_history(["key", "reopen_count"]) and wants_history(["reassignment_count"])
    assert not wants_history(["key", "priority.name"])


ISSUE: dict[str, Any] = {
    "id": "10001",
    "key": "ITS-1",
    "fields": {
        "updated": "2026-10-01T10:00:20.120+0200",
        "created": "2026-09-30T23:00:00.000-0100",
        "duedate": "2026-10-05",
        "resolutiondate": None,
        "priority": {"name": "High", "id": "2"},
        "assignee": {"displayName": "Ann Lee", "name": "ann", "accountId": "a1"},
        "customfield_10050": {"id": "7", "value": "Network"},
        "status": {"name": "Done", "statusCategory": {"key": "done", "name": "Done"}},
        "components": [{"name": "Email"}, {"name": ""}, {"name": "VPN"}],
        "labels": ["a", "b"],
        "timetracking": {"b": 1, "a": "é"},
        "flagged": True,
        "closed": False,
        "votes": 3,
        "summary": "2026-01-01T10:00:00.000+0100",
    },
}


def flat(*fields: str, times: frozenset[str] = frozenset(), issue: Any = None) -> dict[str, str]:
    return flatten_issue(ISSUE if issue is None else issue, fields, times, DONE)


def test_an_issue_is_flattened_by_each_fields_path() -> None:
    assert flat("key", "id", "priority.name", "status.statusCategory.key", "priority") == {
        "key": "ITS-1",
        "id": "10001",
        "priority.name": "High",
        "status.statusCategory.key": "done",
        "priority": "High",
    }
    assert flat("assignee", "customfield_10050", "components.name", "components", "labels") == {
        "assignee": "Ann Lee",  # a user by its display name, before its name
        "customfield_10050": "Network",  # an option by its value
        "components.name": "Email, VPN",
        "components": "Email, VPN",
        "labels": "a, b",
    }
    assert flat("timetracking", "flagged", "closed", "votes", "resolutiondate") == {
        "timetracking": '{"a": "é", "b": 1}',
        "flagged": "true",
        "closed": "false",
        "votes": "3",
        "resolutiondate": "",
    }
    assert flat("resolutiondate.name") == {"resolutiondate.name": ""}
    assert flat("id", issue={"key": "ITS-3", "fields": {}}) == {"id": ""}
    assert flat("components", issue={"fields": {"components": [None, {"id": 1}]}}) == {
        "components": '{"id": 1}'
    }


def test_times_are_utc_text_and_only_the_mappings_times() -> None:
    times = frozenset({"updated", "created", "duedate", "resolutiondate"})
    assert flat("updated", "created", "duedate", "resolutiondate", "summary", times=times) == {
        "updated": "2026-10-01 08:00:20",
        "created": "2026-10-01 00:00:00",
        "duedate": "2026-10-05",  # a date alone is left to the import to read
        "resolutiondate": "",
        "summary": "2026-01-01T10:00:00.000+0100",  # not a time of the mapping
    }


def test_a_field_not_in_the_answer_is_named() -> None:
    for path, named in [
        ("customfield_99999.value", "customfield_99999"),
        ("priority.label", "priority.label"),
        ("created.name", "created.name"),
        ("components.label", "components.label"),
        ("status.statusCategory.label", "status.statusCategory.label"),
    ]:
        with pytest.raises(MissingField) as missing:
            flat(path)
        assert str(missing.value) == named
    with pytest.raises(MissingField, match=r"^summary$"):
        flat("key", "summary", issue={"key": "ITS-2"})
    with pytest.raises(MissingField, match=r"^changelog$"):
        flat("reopen_count")
    with pytest.raises(MissingField, match=r"^changelog$"):
        flat("reassignment_count", issue={**ISSUE, "changelog": {"total": 0}})
    with pytest.raises(MissingField, match=r"^changelog$"):
        flat("reopen_count", issue={**ISSUE, "changelog": None})


def item(field: str, before: str | None, after: str | None) -> dict[str, Any]:
    return {"field": field, "from": before, "to": after}


def entries(*items: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": str(100 + k), "created": f"2026-10-01T10:{k:02d}:00.000+0200", "items": [i]}
        for k, i in enumerate(items)
    ]


def test_reassignments_count_each_new_person_after_the_first() -> None:
    assert reassignments([]) == 0
    assert reassignments(entries(item("assignee", None, "a"))) == 0  # the first assignee
    assert reassignments(entries(item("assignee", "a", "b"))) == 1  # assigned when opened
    assert reassignments(entries(item("assignee", "a", None), item("assignee", None, "b"))) == 1
    assert reassignments(entries(item("assignee", None, "a"), item("assignee", "a", "b"))) == 1
    three = entries(
        item("assignee", "a", "b"), item("labels", "a", "b"), item("assignee", "b", "c")
    )
    assert reassignments(three) == 2
    assert reassignments(entries(item("status", "a", "b"))) == 0


def test_reopenings_count_moves_out_of_the_done_category() -> None:
    moves = entries(
        item("status", "1", "3"),  # To Do → In Progress
        item("status", "3", "10002"),  # In Progress → Done
        item("status", "10002", "3"),  # reopened
        item("status", "10002", "6"),  # Done → Closed: still done
        item("resolution", "10002", "3"),  # not the status
        item("status", "6", "1"),  # reopened
    )
    assert reopens(moves, DONE) == 2
    assert reopens(moves, frozenset()) == 0
    issue = {**ISSUE, "changelog": {"histories": list(reversed(moves))}}
    assert flat("reopen_count", "reassignment_count", issue=issue) == {
        "reopen_count": "2",
        "reassignment_count": "0",
    }


def test_a_changelog_is_read_oldest_first() -> None:
    later = {"id": "2", "created": "2026-10-01T08:00:00.000+0000", "items": []}
    earlier = {"id": "3", "created": "2026-10-01T09:30:00.000+0300", "items": []}  # 06:30 UTC
    same_time = {"id": "x", "created": earlier["created"], "items": []}
    undated = {"id": "9", "items": []}
    assert in_order([later, earlier, same_time, undated]) == [undated, same_time, earlier, later]
    assert in_order([{**later, "id": "10"}, later]) == [later, {**later, "id": "10"}]
    zero, no_id = {**later, "id": "0"}, {"created": later["created"]}
    assert in_order([{**later, "id": "x"}, zero]) == [{**later, "id": "x"}, zero]  # both 0
    assert in_order([no_id, zero]) == [no_id, zero]
    reassigned = [
        {
            "id": "5",
            "created": "2026-10-01T11:00:00.000+0200",
            "items": [item("assignee", "b", "c")],
        },
        {
            "id": "4",
            "created": "2026-10-01T10:00:00.000+0200",
            "items": [item("assignee", None, "b")],
        },
    ]
    issue = {**ISSUE, "changelog": {"histories": reassigned}}
    assert flat("reassignment_count", issue=issue) == {"reassignment_count": "1"}
