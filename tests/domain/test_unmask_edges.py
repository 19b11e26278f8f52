"""Masks in a file applied back, field by field: a database URL, values that are not masks, a
field the register does not hold, a secret field of another shape, lists longer than the one
held, and a Python source without parameters. The shown forms are written out by hand."""

from __future__ import annotations

from typing import Any

from ci_workflow.domain.unmask import SECRET_FIELDS, restore_secrets

SQL = {
    "kind": "sql",
    "url": "postgresql://reader:pw@db.example.org/itsm",
    "database": "mysql://etl:s3cret@dw.example.org/facts",
    "query": "SELECT 1",
}
SQL_SHOWN = {
    "kind": "sql",
    "url": "postgresql://reader:***@db.example.org/itsm",
    "database": "mysql://etl:***@dw.example.org/facts",
    "query": "SELECT 1",
}
HTTP = {
    "kind": "http",
    "url": "https://api.example.org/v1",
    "headers": {"Authorization": "Bearer b", "Accept": "application/json"},
    "params": {"token": "t", "topic": "mttr"},
}


def test_the_secret_fields() -> None:
    assert SECRET_FIELDS == ("url", "database", "headers", "params")


def test_a_database_url_shown_comes_back_as_it_is_held() -> None:
    assert restore_secrets(SQL_SHOWN, SQL) == (SQL, [])
    only_url = {**SQL_SHOWN, "database": "mysql://etl:***@dw2.example.org/facts"}
    assert restore_secrets(only_url, SQL) == (
        {**SQL, "database": "mysql://etl:***@dw2.example.org/facts"},
        ["database"],
    )


def test_a_url_without_a_mask_is_kept_as_given() -> None:
    given = {**SQL_SHOWN, "url": "postgresql://reader:new@db.example.org/itsm"}
    assert restore_secrets(given, SQL) == (
        {**SQL, "url": "postgresql://reader:new@db.example.org/itsm"},
        [],
    )


def test_a_field_the_file_leaves_out_is_not_taken_from_the_register() -> None:
    given = {"kind": "sql", "query": "SELECT 2"}
    assert restore_secrets(given, SQL) == (given, [])
    http_without_headers = {"kind": "http", "url": "https://api.example.org/v1"}
    assert restore_secrets(http_without_headers, HTTP) == (http_without_headers, [])


def test_a_field_the_register_does_not_hold_keeps_what_the_file_gives() -> None:
    held = {"kind": "sql", "query": "SELECT 1"}
    plain = {"kind": "sql", "url": "postgresql://reader@db/x", "query": "SELECT 1"}
    assert restore_secrets(plain, held) == (plain, [])
    masked = {"kind": "sql", "url": "postgresql://reader:***@db/x", "query": "SELECT 1"}
    assert restore_secrets(masked, held) == (masked, ["url"])


def test_http_masks_come_back_one_by_one_and_changed_values_stay_as_given() -> None:
    given = {
        "kind": "http",
        "url": "https://api.example.org/v1",
        "headers": {"Authorization": "***", "Accept": "text/csv"},
        "params": {"token": "***", "topic": "sla", "page": "2"},
    }
    assert restore_secrets(given, HTTP) == (
        {
            "kind": "http",
            "url": "https://api.example.org/v1",
            "headers": {"Authorization": "Bearer b", "Accept": "text/csv"},
            "params": {"token": "t", "topic": "sla", "page": "2"},
        },
        [],
    )


def test_http_headers_the_register_does_not_hold_are_masks_for_nothing() -> None:
    held = {"kind": "http", "url": "https://api.example.org/v1"}
    given = {**held, "headers": {"Authorization": "***"}, "params": {"token": "***", "q": "x"}}
    assert restore_secrets(given, held) == (given, ["headers.Authorization", "params.token"])


def test_a_secret_field_of_another_shape_than_the_one_held() -> None:
    held: dict[str, Any] = {**HTTP, "headers": "Authorization: Bearer b"}
    given = {**HTTP, "headers": {"Authorization": "***"}}
    assert restore_secrets(given, held) == (given, ["headers.Authorization"])
    held_list: dict[str, Any] = {**HTTP, "params": ["t"]}
    given_dict = {**HTTP, "params": {"token": "***"}}
    assert restore_secrets(given_dict, held_list) == (given_dict, ["params.token"])


def test_the_url_that_changed_keeps_the_http_secrets_from_being_sent_there() -> None:
    given = {
        "kind": "http",
        "url": "https://api.example.org/v2",
        "headers": {"Authorization": "***", "Accept": "application/json"},
        "params": {"token": "***", "topic": "mttr"},
    }
    assert restore_secrets(given, HTTP) == (given, ["headers.Authorization", "params.token"])


def test_python_params_come_back_whole_when_all_are_as_shown() -> None:
    held = {
        "kind": "python",
        "function": "team.metrics:mttr",
        "params": {"password": "pw", "target": "postgresql://u:pw@db/x", "days": 7},
    }
    shown = {
        "kind": "python",
        "function": "team.metrics:mttr",
        "params": {"password": "***", "target": "postgresql://u:***@db/x", "days": 7},
    }
    assert restore_secrets(shown, held) == (held, [])
    other_kind = {**shown, "kind": "sql"}
    assert restore_secrets(other_kind, held) == (other_kind, ["params.password", "params.target"])
    other_function = {**shown, "function": "team.metrics:other"}
    assert restore_secrets(other_function, held)[1] == ["params.password", "params.target"]


def test_a_python_source_that_names_no_params_gets_none() -> None:
    held = {"kind": "python", "function": "team.metrics:mttr"}
    assert restore_secrets(dict(held), held) == (held, [])
    held_none = {"kind": "python", "function": "team.metrics:mttr", "params": None}
    assert restore_secrets({"kind": "python", "function": "team.metrics:mttr"}, held_none) == (
        {"kind": "python", "function": "team.metrics:mttr"},
        [],
    )


def test_an_http_url_masked_and_its_params_keep_their_own_rule() -> None:
    """An HTTP source's params are per key, not the Python source's whole-or-nothing."""
    held = {"kind": "http", "function": "f", "url": "https://a/", "params": {"k": "v", "n": 1}}
    given = {"kind": "http", "function": "f", "url": "https://a/", "params": {"k": "***", "n": 2}}
    assert restore_secrets(given, held) == ({**given, "params": {"k": "v", "n": 2}}, [])


def test_masks_in_lists_are_found_by_their_place() -> None:
    held = {"kind": "python", "function": "m:f", "params": {"hosts": ["a:***", "b"]}}
    given = {"kind": "python", "function": "m:g", "params": {"hosts": ["a:***", "b", "c:***"]}}
    # The first is the register's own text (no secret it stands for), the third is new.
    assert restore_secrets(given, held)[1] == ["params.hosts[2]"]
    nested = {"kind": "python", "function": "m:g", "params": {"x": [["***"], {"y": "***"}]}}
    assert restore_secrets(nested, held)[1] == ["params.x[0][0]", "params.x[1].y"]
    held_text = {"kind": "python", "function": "m:f", "params": {"hosts": "a,b"}}
    listed = {"kind": "python", "function": "m:g", "params": {"hosts": ["***"]}}
    assert restore_secrets(listed, held_text)[1] == ["params.hosts[0]"]


def test_values_that_are_not_texts_are_never_masks() -> None:
    given = {"kind": "python", "function": "m:f", "params": {"n": 3, "f": 1.5, "b": True}}
    assert restore_secrets(given, None) == (given, [])
    assert restore_secrets({"kind": "http", "url": None, "headers": {}}, None)[1] == []


def test_every_secret_field_is_searched_and_no_other() -> None:
    given = {
        "kind": "manual",
        "url": "https://***@a/",
        "database": "***",
        "headers": {"h": "***"},
        "params": {"p": "***"},
        "query": "***",
        "path": "***",
    }
    assert restore_secrets(given, None)[1] == ["url", "database", "headers.h", "params.p"]
