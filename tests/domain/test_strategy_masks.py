"""Key results' source secrets in a strategy file: masked where shown, kept when a mask is
applied back, and a mask that stands for no secret held is a problem naming its field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ci_workflow.domain.strategy.masks import masked, unmasked

HELD = {
    "kind": "sql",
    "url": "postgresql://reader:pa55word@db.example.org/itsm",
    "query": "SELECT 1",
}


def strategy(source: dict[str, Any], key: str = "kr-one") -> dict[str, Any]:
    result = {"key": key, "title": "K", "source": source}
    return {"goals": [{"key": "g", "objectives": [{"key": "o", "key_results": [result]}]}]}


def source_of(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["goals"][0]["objectives"][0]["key_results"][0]["source"]
    return found


def test_a_secret_is_masked_where_shown_and_kept_when_applied_back() -> None:
    original = strategy(dict(HELD))
    shown, hidden = masked(original)
    assert hidden and source_of(shown)["url"] == "postgresql://reader:***@db.example.org/itsm"
    assert source_of(original)["url"] == HELD["url"]  # the file as read is left alone
    restored, problems = unmasked(shown, {"kr-one": HELD})
    assert problems == [] and source_of(restored) == HELD
    assert source_of(shown)["url"] == "postgresql://reader:***@db.example.org/itsm"  # the same
    _, hidden = masked(strategy({"kind": "incidents", "metric": "incident_count"}))
    assert not hidden


def test_a_mask_for_a_secret_not_held_is_a_problem_of_its_field() -> None:
    shown, _ = masked(strategy(HELD))
    _, problems = unmasked(shown, {})  # another register, or a new key result
    assert problems == [
        "goals[0].objectives[0].key_results[0].source.url: '***' stands for a secret this "
        "register does not hold for this key result's source; write the secret itself"
    ]
    _, elsewhere = unmasked(shown, {"another-kr": HELD})
    assert len(elsewhere) == 1


def test_every_mask_not_held_is_named_not_only_the_last() -> None:
    shown, _ = masked(strategy(HELD))
    objective = shown["goals"][0]["objectives"][0]
    objective["key_results"].append(dict(objective["key_results"][0], key="kr-two"))
    _, problems = unmasked(shown, {})
    assert [p.split(":")[0] for p in problems] == [
        "goals[0].objectives[0].key_results[0].source.url",
        "goals[0].objectives[0].key_results[1].source.url",
    ]


@pytest.mark.parametrize(
    "doc",
    [
        {"goals": None},
        {"goals": "reliable services"},
        {"goals": ["reliable services"]},
        {"goals": [{"key": "g", "objectives": None}]},
        {"goals": [{"key": "g", "objectives": ["restore faster"]}]},
        {"goals": [{"key": "g", "objectives": [{"key": "o", "key_results": None}]}]},
        {"goals": [{"key": "g", "objectives": [{"key": "o", "key_results": "kr-one"}]}]},
        {"goals": [{"key": "g", "objectives": [{"key": "o", "key_results": ["kr-one"]}]}]},
        strategy("sql"),  # type: ignore[arg-type]
        {"goals": [{"key": "g", "objectives": [{"key": "o", "key_results": [{"key": "k"}]}]}]},
    ],
)
def test_a_file_not_yet_in_shape_is_shown_and_applied_back_as_written(doc: dict[str, Any]) -> None:
    """A half-written strategy is left to the schema to name what is wrong: masking and
    unmasking pass it through unchanged, with no problem of their own and no crash."""
    written = copy.deepcopy(doc)
    assert masked(doc) == (written, False)
    assert unmasked(doc, {"kr-one": HELD, "k": HELD}) == (written, [])
