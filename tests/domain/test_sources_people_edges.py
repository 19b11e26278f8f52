"""Edges of what a source may hold and show (Python params on their limits, secrets in unusual
URLs), how people and scopes are found, and error lines without a field path."""

from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.authority.people import (
    Directory,
    Grant,
    PersonView,
    parse_grant,
    same_scope,
)
from ci_workflow.domain.improvement.sources import (
    is_fetched,
    params_problem,
    source_host,
    validate_source,
)
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.records.incident_mapping import IncidentMapping
from ci_workflow.domain.redact import redact_url
from ci_workflow.domain.vocabulary import Role
from ci_workflow.errors import PersonNotFound, UsageError
from tests.helpers import improvement_doc

TOO_MANY = "more than the 500 values allowed (nested ones included)"
TOO_DEEP = "nested deeper than the 5 levels allowed"

# --- Python source params ---


def test_five_hundred_values_are_allowed_the_five_hundred_and_first_is_not() -> None:
    # the list is a value itself: 1 + 499 items = 500
    assert params_problem({"ids": list(range(499))}) is None
    assert params_problem({"ids": list(range(500))}) == TOO_MANY
    assert params_problem({f"k{n}": n for n in range(50)} | {"ids": list(range(449))}) is None
    assert params_problem({f"k{n}": n for n in range(50)} | {"ids": list(range(450))}) == TOO_MANY


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"v": [[[[1]]]]}, None),  # the 1 is at level 5
        ({"v": [[[[[1]]]]]}, TOO_DEEP),
        ({"v": {"a": {"b": {"c": {"d": 1}}}}}, None),
        ({"v": {"a": {"b": {"c": {"d": {"e": 1}}}}}}, TOO_DEEP),
        ({"v": ({"a": [(1,)]},)}, None),
        ({"v": [{"a": [{"b": [1]}]}]}, TOO_DEEP),
    ],
)
def test_params_may_nest_five_levels(params: dict[str, Any], problem: str | None) -> None:
    assert params_problem(params) == problem


@pytest.mark.parametrize(
    "params",
    [
        {"deep": [[[[[1]]]]], "near": {"x": 1}},  # the mapping is looked at first
        {"deep": [[[[[1]]]]], "near": [1]},  # the list is looked at first
        {"deep": {"a": {"b": {"c": {"d": {"e": 1}}}}}, "near": {"x": [1, 2]}},
    ],
)
def test_a_deep_value_is_found_next_to_a_shallow_one(params: dict[str, Any]) -> None:
    assert params_problem(params) == TOO_DEEP


def test_ten_thousand_characters_of_json_are_allowed_one_more_is_not() -> None:
    # {"a": "…"} is 9 characters around the text
    assert params_problem({"a": "x" * 9_991}) is None
    assert params_problem({"a": "x" * 9_992}) == (
        "10,001 characters as JSON, more than the 10,000 allowed"
    )


def test_a_python_source_with_params_too_deep_is_refused_naming_why() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_source({"kind": "python", "function": "m:f", "params": {"v": [[[[[1]]]]]}})
    assert describe_errors(caught.value) == [f"python.params: {TOO_DEEP}"]


# --- sources: fetched or typed in, and where they read ---


@pytest.mark.parametrize(
    ("source", "fetched"),
    [
        ({"kind": "manual"}, False),
        ({"kind": "python", "function": "m:f"}, True),
        ({"kind": "incidents", "metric": "mttr_hours"}, True),
        ({"kind": "csv", "path": "x.csv", "timestamp_column": "t", "aggregation": "count"}, True),
    ],
)
def test_only_manual_sources_are_typed_in_as_models_and_as_stored(
    source: dict[str, Any], fetched: bool
) -> None:
    assert is_fetched(validate_source(source)) is fetched
    assert is_fetched(dict(source)) is fetched


def test_a_web_url_without_a_host_reads_from_no_host() -> None:
    source = validate_source({"kind": "http", "url": "https:///metrics", "path": "value"})
    assert source_host(source) == ":443"


# --- redaction of unusual URLs ---


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # a user name holding an @: the password after it is still masked, the user kept
        ("postgresql://me@corp:pw@db/itsm", "postgresql://me@corp:***@db/itsm"),
        ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
        ("https://api.example.org/m?team=a", "https://api.example.org/m?team=a"),
        ("postgresql://reader@db/itsm", "postgresql://reader@db/itsm"),
        ("https://h/m?flag=&token=t", "https://h/m?flag=&token=***"),
        ("https://u:pw@h/p#frag", "https://u:***@h/p#frag"),
    ],
)
def test_unusual_urls_are_masked_and_the_rest_kept(url: str, shown: str) -> None:
    assert redact_url(url) == shown


# --- people ---


def test_a_scope_missing_says_how_to_write_one() -> None:
    """Rule: a role that needs a scope says how to write it; only a data analyst may also be
    scoped to a service."""
    for typed, said in (
        (
            "service_owner",
            "role service_owner needs a scope: service_owner:NAME (the process or service)",
        ),
        (
            "data_analyst",
            "role data_analyst needs a scope: data_analyst:NAME (the process or service) "
            "or data_analyst:service:NAME",
        ),
    ):
        with pytest.raises(UsageError) as caught:
            parse_grant(typed)
        assert str(caught.value) == said
    with pytest.raises(UsageError) as caught:
        parse_grant("data_analyst:service: ")
    assert str(caught.value) == "role data_analyst:service: needs the service's name"


def test_a_data_analyst_s_service_is_what_follows_the_first_colon() -> None:
    """Rule: ``data_analyst:service:NAME`` scopes to the service NAME, colons in it kept; a
    process whose name has a colon, or is "service" alone, stays a process scope."""
    assert parse_grant("data_analyst:service : Mail: EU").scope == "service:Mail: EU"
    assert parse_grant("data_analyst:ITIL: Change").scope == "ITIL: Change"
    assert parse_grant("data_analyst:service").scope == "service"


def test_an_unknown_role_lists_every_role() -> None:
    with pytest.raises(UsageError) as caught:
        parse_grant("boss")
    assert str(caught.value) == (
        "unknown role 'boss'; choose from ci_manager, process_owner, service_owner, "
        "improvement_team, data_analyst, finance"
    )


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (None, None, True),
        (None, "", True),
        ("", None, True),
        (" Service Desk ", "SERVICE DESK", True),
        (None, "Service Desk", False),
        ("Service Desk", None, False),
    ],
)
def test_no_scope_is_the_same_as_an_empty_one(a: str | None, b: str | None, same: bool) -> None:
    assert same_scope(a, b) is same


OMAR = PersonView(
    1, "Omar Haddad", "omar@example.org", frozenset({Grant(Role.process_owner, "Incidents")})
)


def test_a_person_is_got_by_name_or_email_and_an_unknown_one_is_named() -> None:
    people = Directory([OMAR])
    assert people.get("OMAR@example.org ") is OMAR
    assert people.get("omar haddad") is OMAR
    with pytest.raises(PersonNotFound) as caught:
        people.get("Grace")
    assert str(caught.value) == "unknown person 'Grace' (see `improve people list`)"


# --- error lines ---


def test_a_problem_of_the_whole_file_is_a_line_without_a_path() -> None:
    with pytest.raises(ValidationError) as caught:
        IncidentMapping.model_validate({"layout": "event_log", "columns": {"id": "number"}})
    assert describe_errors(caught.value) == [
        "layout event_log needs an event_log section (status_column, ...)"
    ]


def test_people_in_a_context_that_is_no_directory_are_taken_as_written() -> None:
    spec = ImprovementSpec.model_validate(
        improvement_doc(owner="Someone Else", team=["Another"], process_owner="A Third"),
        context={"people": ["Lena Fischer"]},
    )
    assert (spec.owner, spec.team, spec.process_owner) == ("Someone Else", ["Another"], "A Third")
