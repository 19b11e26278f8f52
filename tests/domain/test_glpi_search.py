"""The rules of reading GLPI: the secret's parts, the search query, naming search options,
values as text, hand-overs from a ticket's history and Content-Range."""

from __future__ import annotations

from typing import Any

import pytest

from ci_workflow.domain.records.glpi_search import (
    content_total,
    credentials,
    ids_params,
    option_id,
    reassignments,
    search_params,
    second_before,
    text,
)
from ci_workflow.domain.records.itsm_sync import Cursor


def test_the_secret_is_the_credential_with_an_optional_app_token_before_it() -> None:
    assert credentials("tok en") == credentials("tok en")
    plain = credentials("p@ss word")
    assert (plain.app_token, plain.credential) == (None, "p@ss word")
    both = credentials("app_token=abc123 my pass word")
    assert (both.app_token, both.credential) == ("abc123", "my pass word")
    for broken in ("app_token=abc123", "app_token= tok", "app_token=abc "):
        with pytest.raises(ValueError) as refused:
            credentials(broken)
        assert str(refused.value) == (
            "the secret is 'app_token=APP_TOKEN CREDENTIAL': the App-Token, a space, then the "
            "user token or password"
        )


def test_the_second_before_a_time_crosses_minutes_and_days() -> None:
    assert second_before("2026-10-01 08:04:00") == "2026-10-01 08:03:59"
    assert second_before("2026-01-01 00:00:00") == "2025-12-31 23:59:59"


def test_a_first_search_asks_for_incidents_by_last_update_from_the_start() -> None:
    assert search_params(Cursor(), ["2", "19"], 0, 1000, incidents=True) == {
        "criteria[0][field]": "14",
        "criteria[0][searchtype]": "equals",
        "criteria[0][value]": "1",
        "sort": "19",
        "order": "ASC",
        "range": "0-999",
        "forcedisplay[0]": "2",
        "forcedisplay[1]": "19",
    }


def test_a_later_search_asks_for_what_changed_after_the_second_before_the_cursor() -> None:
    cursor = Cursor("2026-10-01 08:04:00", frozenset({"7"}))
    assert search_params(cursor, ["12"], 5, 5, incidents=False) == {
        "criteria[0][field]": "19",
        "criteria[0][searchtype]": "morethan",
        "criteria[0][value]": "2026-10-01 08:03:59",
        "sort": "19",
        "order": "ASC",
        "range": "5-9",
        "forcedisplay[0]": "12",
    }
    assert search_params(cursor, [], 0, 2, incidents=True) == {
        "criteria[0][field]": "14",
        "criteria[0][searchtype]": "equals",
        "criteria[0][value]": "1",
        "criteria[1][link]": "AND",
        "criteria[1][field]": "19",
        "criteria[1][searchtype]": "morethan",
        "criteria[1][value]": "2026-10-01 08:03:59",
        "sort": "19",
        "order": "ASC",
        "range": "0-1",
    }


OPTIONS: dict[str, Any] = {
    "common": "Characteristics",
    "2": {"name": "ID", "uid": "Ticket.id"},
    "8": {"name": "Technician group", "uid": "Ticket.Group.completename"},
    "12": {"name": "Status", "uid": "Ticket.status"},
    "71": {"name": "Requester group", "uid": "Ticket.Group.completename"},
    "112": {"name": "Status", "uid": "Ticket.Problem.status"},
    "9": "Not an option",
}


def test_ids_are_listed_by_id_after_the_last_within_the_tables_criteria() -> None:
    assert ids_params(None, ["2"], 500, incidents=True) == {
        "criteria[0][field]": "14",
        "criteria[0][searchtype]": "equals",
        "criteria[0][value]": "1",
        "sort": "2",
        "order": "ASC",
        "range": "0-499",
        "forcedisplay[0]": "2",
    }
    assert ids_params("742", ["2", "5"], 3, incidents=False) == {
        "criteria[0][field]": "2",
        "criteria[0][searchtype]": "morethan",
        "criteria[0][value]": "742",
        "sort": "2",
        "order": "ASC",
        "range": "0-2",
        "forcedisplay[0]": "2",
        "forcedisplay[1]": "5",
    }
    after = ids_params("9", [], 1, incidents=True)
    assert (after["criteria[1][link]"], after["criteria[1][value]"]) == ("AND", "9")
    assert "criteria[0][link]" not in after
    with pytest.raises(ValueError) as refused:
        ids_params("7 OR 1", ["2"], 5, incidents=False)
    assert str(refused.value) == "an item's id is a number, not '7 OR 1'"


def test_a_field_is_named_by_its_id_its_uid_or_its_unique_name() -> None:
    assert option_id("12", OPTIONS, "Ticket") == "12"
    assert option_id("ticket.status", OPTIONS, "Ticket") == "12"
    assert option_id("technician GROUP", OPTIONS, "Ticket") == "8"
    assert option_id("Ticket.Problem.status", OPTIONS, "Ticket") == "112"


def test_a_name_shared_or_unknown_is_refused_with_what_to_write() -> None:
    with pytest.raises(ValueError) as shared:
        option_id("Status", OPTIONS, "Ticket")
    assert str(shared.value) == (
        "Ticket: 'Status' names several search options (12, 112): write the id instead"
    )
    with pytest.raises(ValueError) as shared_uid:
        option_id("Ticket.Group.completename", OPTIONS, "Ticket")
    assert "(8, 71)" in str(shared_uid.value)
    for unknown in ("99", "9", "Urgency", "common"):
        with pytest.raises(ValueError) as missing:
            option_id(unknown, OPTIONS, "Change")
        assert str(missing.value) == (
            f"Change: {unknown!r} is no search option of Change (an id, a uid or a name as "
            "listSearchOptions/Change gives it)"
        )


def test_values_become_text_unescaped_and_several_joined() -> None:
    assert text(None) == ""
    assert text(3) == "3"
    assert text("R&amp;D &gt; Lab") == "R&D > Lab"
    assert text(["Network", "R&amp;D", None]) == "Network, R&D, "


def line(action: int, link: str, option: int | None) -> dict[str, Any]:
    return {"linked_action": action, "itemtype_link": link, "id_search_option": option}


def test_hand_overs_are_the_technician_groups_linked_after_the_first() -> None:
    assert reassignments([]) == 0
    assert reassignments([line(15, "Group", 8)]) == 0
    one = [line(15, "Group", 8), line(0, "", 12), line(15, "Group", 8)]
    assert reassignments(one) == 1
    # A requester group (71), a group unlinked (16), a user linked: no hand-over.
    noise = [line(15, "Group", 71), line(16, "Group", 8), line(15, "User", 8)]
    assert reassignments(one + noise) == 1
    # GLPI before 10 does not say as what the group was linked: counted.
    assert reassignments([line(15, "Group", 0), line(15, "Group", None), *one]) == 3
    assert reassignments([{"linked_action": "15", "itemtype_link": "Group"}] * 3) == 2
    assert reassignments([{"itemtype_link": "Group", "id_search_option": 8}] * 3) == 0


def test_the_count_of_a_content_range() -> None:
    assert content_total("0-49/200") == 200
    assert content_total("0-49/") is None
    assert content_total("0-49") is None
    assert content_total(None) is None
    assert content_total("0-49/2x") is None
    assert content_total("0-4/2/3") is None
    assert content_total("x0-49/200") is None
