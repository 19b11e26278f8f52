"""The mappings of ITSM exports onto the register: what an event log derives, what each layout
needs, which columns a file must have."""

from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.records.change_mapping import ChangeMapping
from ci_workflow.domain.records.incident_mapping import IncidentMapping


def event_log(**kw: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "status_column": "state",
        "resolved_states": ["Resolved"],
        "event_time_column": "updated",
    }
    section.update(kw)
    return section


def mapping(columns: dict[str, str], **kw: Any) -> IncidentMapping:
    return IncidentMapping.model_validate({"columns": columns, **kw})


def refusal(columns: dict[str, str], **kw: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        mapping(columns, **kw)
    return describe_errors(caught.value)


def test_one_row_per_incident_derives_nothing() -> None:
    found = mapping({"id": "number", "opened": "opened_at"}, layout="one_row")
    assert found.derived() == []
    assert found.required_columns() == {"number", "opened_at"}


def test_an_event_log_derives_the_resolution_by_default() -> None:
    found = mapping(
        {"id": "number", "opened": "opened_at"}, layout="event_log", event_log=event_log()
    )
    assert found.derived() == ["resolved"]
    assert found.required_columns() == {"number", "opened_at", "state", "updated"}


def test_a_mapped_resolution_column_wins_over_the_default_derivation() -> None:
    found = mapping(
        {"id": "number", "opened": "opened_at", "resolved": "resolved_at"},
        layout="event_log",
        event_log=event_log(derive=["resolved", "reopen_count", "resolved"]),
    )
    assert found.derived() == ["reopen_count"]


def test_what_is_derived_is_listed_once_in_the_order_given() -> None:
    found = mapping(
        {"id": "number", "assignment_group": "group"},
        layout="event_log",
        event_log=event_log(derive=["opened", "ping_pong_count", "opened", "closed"]),
    )
    assert found.derived() == ["opened", "ping_pong_count", "closed"]
    assert found.required_columns() == {"number", "group", "state", "updated"}


def test_an_event_log_needs_its_section_and_one_row_must_not_have_one() -> None:
    assert refusal({"id": "n", "opened": "o"}, layout="event_log") == [
        "layout event_log needs an event_log section (status_column, ...)"
    ]
    assert refusal({"id": "n", "opened": "o"}, layout="one_row", event_log=event_log()) == [
        "an event_log section is only for layout event_log"
    ]


def test_a_field_is_either_a_column_or_derived() -> None:
    assert refusal(
        {"id": "n", "opened": "o", "reopen_count": "reopens"},
        layout="event_log",
        event_log=event_log(derive=["reopen_count"]),
    ) == ["reopen_count is both a column and derived: choose one"]


def test_the_opening_must_come_from_somewhere() -> None:
    assert refusal({"id": "n"}, layout="one_row") == [
        "columns.opened: map a column, or derive it from the events"
    ]
    assert refusal({"id": "n"}, layout="event_log", event_log=event_log()) == [
        "columns.opened: map a column, or derive it from the events"
    ]


@pytest.mark.parametrize("count", ["reassignment_count", "ping_pong_count"])
def test_hand_overs_are_derived_only_with_the_assignment_group(count: str) -> None:
    assert refusal(
        {"id": "n", "opened": "o"}, layout="event_log", event_log=event_log(derive=[count])
    ) == ["deriving hand-overs needs columns.assignment_group"]
    found = mapping(
        {"id": "n", "opened": "o", "assignment_group": "g"},
        layout="event_log",
        event_log=event_log(derive=[count]),
    )
    assert found.derived() == [count]


def test_the_defaults_of_an_export() -> None:
    found = mapping({"id": "n", "opened": "o"}, layout="one_row")
    assert found.timestamp_format == "%Y-%m-%d %H:%M:%S"
    assert (found.missing, found.delimiter, found.encoding) == ("", ",", "utf-8")
    assert found.true_values == ["true", "yes", "y", "1"]


def test_a_change_export_requires_the_columns_it_maps() -> None:
    found = ChangeMapping.model_validate(
        {
            "columns": {"id": "number", "state": "state", "close_code": "close_code"},
            "closed_states": ["Closed"],
        }
    )
    assert found.required_columns() == {"number", "state", "close_code"}
    assert (found.failed_states, found.failed_close_codes) == ([], [])
