"""Key results' source secrets in a strategy file: masked where shown, kept when a mask is
applied back, and a mask that stands for no secret held is a problem naming its field."""

from __future__ import annotations

from typing import Any

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
    shown, hidden = masked(strategy(HELD))
    assert hidden and source_of(shown)["url"] == "postgresql://reader:***@db.example.org/itsm"
    assert source_of(strategy(HELD))["url"] == HELD["url"]  # the original is left alone
    restored, problems = unmasked(shown, {"kr-one": HELD})
    assert problems == [] and source_of(restored) == HELD
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
