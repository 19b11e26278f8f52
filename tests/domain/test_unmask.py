"""A mask of a shown source stands for the stored secret only where nothing it is sent with
changed; anywhere else it is named as a problem, never stored."""

from __future__ import annotations

from ci_workflow.domain.redact import redact_source
from ci_workflow.domain.unmask import restore_secrets

PYTHON = {
    "kind": "python",
    "function": "team.metrics:mttr",
    "params": {"dsn": "postgresql://u:pw@db/x", "note": "see https://u:pw2@wiki/x", "days": 7},
}
HTTP = {
    "kind": "http",
    "url": "https://u:tok@api.example.org/v1?api_key=k&topic=t",
    "path": "value",
    "headers": {"Authorization": "Bearer b"},
    "params": {"q": "x"},
}


def test_a_source_shown_comes_back_as_it_is_held() -> None:
    for held in (PYTHON, HTTP, {"kind": "sql", "url": "mysql://r:pw@h/db", "query": "SELECT 1"}):
        assert restore_secrets(redact_source(held), held) == (held, [])


def test_python_params_come_back_only_when_function_and_every_param_are_as_shown() -> None:
    shown = redact_source(PYTHON)
    assert shown["params"] == {"dsn": "***", "note": "see https://u:***@wiki/x", "days": 7}
    changed = {**shown, "params": {**shown["params"], "days": 8}}
    assert restore_secrets(changed, PYTHON)[1] == ["params.dsn", "params.note"]
    other = {**shown, "function": "team.metrics:leak"}
    assert restore_secrets(other, PYTHON)[1] == ["params.dsn", "params.note"]


def test_http_secrets_stay_with_their_address() -> None:
    shown = redact_source(HTTP)
    assert shown["url"] == "https://u:***@api.example.org/v1?api_key=***&topic=t"
    slower = {**shown, "timeout": 30}
    assert restore_secrets(slower, HTTP) == ({**HTTP, "timeout": 30}, [])
    elsewhere = {**shown, "url": "https://evil.example.net/v1"}
    assert restore_secrets(elsewhere, HTTP)[1] == ["headers.Authorization", "params.q"]
    new_header = {**shown, "headers": {"Authorization": "***", "X-Key": "***"}}
    assert restore_secrets(new_header, HTTP)[1] == ["headers.X-Key"]


def test_a_mask_for_nothing_held_is_named_and_plain_values_are_not() -> None:
    held = {"kind": "manual"}
    given = {"kind": "sql", "url": "postgresql://r:***@h/db", "query": "SELECT '***'"}
    assert restore_secrets(given, held) == (given, ["url"])
    assert restore_secrets(given, None)[1] == ["url"]
    listed = {"kind": "python", "function": "m:f", "params": {"hosts": ["a", "b:***"]}}
    assert restore_secrets(listed, None)[1] == ["params.hosts[1]"]
    assert restore_secrets({"kind": "manual"}, None) == ({"kind": "manual"}, [])
