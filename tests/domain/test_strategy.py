"""strategy.yaml's schema and what an apply changes: owners, keys, targets, budgets, removal."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.authority.people import Directory, Grant, PersonView
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.strategy.changes import (
    Item,
    ItemChange,
    Kind,
    changes,
    differing,
    flatten,
    has_changes,
    removal_problems,
)
from ci_workflow.domain.strategy.spec import StrategySpec
from ci_workflow.domain.vocabulary import Role

CARMEN = PersonView(1, "Carmen Ruiz", "carmen@example.org", frozenset({Grant(Role.ci_manager)}))
OMAR = PersonView(
    2,
    "Omar Haddad",
    "omar@example.org",
    frozenset({Grant(Role.process_owner, "Incident Management")}),
)
PRIYA = PersonView(3, "Priya Nair", "priya@example.org", frozenset())
DIRECTORY = Directory([CARMEN, OMAR, PRIYA])


def kr(key: str = "kr-mttr", **overrides: Any) -> dict[str, Any]:
    doc = {
        "key": key,
        "title": "Median time to restore",
        "owner": "priya@example.org",
        "metric": "mttr_hours",
        "unit": "h",
        "baseline": 8.0,
        "target": 4.0,
        "direction": "decrease",
        "due": date(2027, 6, 30),
    }
    return doc | overrides


def strategy_doc() -> dict[str, Any]:
    return {
        "goals": [
            {
                "key": "g-reliable",
                "title": "Reliable services",
                "owner": "Carmen Ruiz",
                "objectives": [
                    {
                        "key": "o-restore",
                        "title": "Restore faster",
                        "owner": "Omar Haddad",
                        "key_results": [kr()],
                    },
                    {"key": "o-repeat", "title": "Fewer repeats", "owner": "Omar Haddad"},
                ],
            },
            {"key": "g-easy", "title": "Easy service", "owner": "Carmen Ruiz"},
        ],
        "programmes": [
            {"key": "p-desk", "title": "Desk", "owner": "Omar Haddad", "budget": 1000.0}
        ],
    }


def validate(doc: dict[str, Any]) -> StrategySpec:
    return StrategySpec.model_validate(doc, context={"people": DIRECTORY})


def problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(doc)
    return describe_errors(caught.value)


def test_a_valid_strategy_names_owners_as_registered() -> None:
    spec = validate(strategy_doc())
    result = spec.goals[0].objectives[0].key_results[0]
    assert result.owner == "Priya Nair"  # found by e-mail, kept by name
    assert spec.objective_keys() == {"o-restore", "o-repeat"}
    assert spec.programme_keys() == {"p-desk"}
    paths = [path for path, _ in spec.items()]
    assert paths == [
        "goals[0]",
        "goals[0].objectives[0]",
        "goals[0].objectives[0].key_results[0]",
        "goals[0].objectives[1]",
        "goals[1]",
        "programmes[0]",
    ]


def test_without_a_directory_owners_are_kept_as_written() -> None:
    spec = StrategySpec.model_validate(strategy_doc())
    assert spec.goals[0].objectives[0].key_results[0].owner == "priya@example.org"


def test_an_unknown_owner_is_named_with_its_path() -> None:
    doc = strategy_doc()
    doc["goals"][0]["objectives"][1]["owner"] = "Nobody Known"
    assert problems(doc) == [
        "goals[0].objectives[1].owner: unknown person 'Nobody Known' "
        "(add them with: improve people add)"
    ]


def test_a_key_given_twice_anywhere_is_refused_with_both_places() -> None:
    doc = strategy_doc()
    doc["programmes"][0]["key"] = "o-restore"
    assert problems(doc) == [
        "programmes[0].key: 'o-restore' is already the key of goals[0].objectives[0]"
    ]


def test_unknown_fields_and_bad_keys_are_refused() -> None:
    doc = strategy_doc()
    doc["goals"][0]["strategic_theme"] = "x"
    doc["goals"][1]["key"] = "Not A Key"
    found = problems(doc)
    assert "goals[0].strategic_theme: unknown field" in found
    assert any(line.startswith("goals[1].key: String should match pattern") for line in found)


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "ok"),
    [
        (8.0, 4.0, "decrease", True),
        (8.0, 8.0, "decrease", False),  # no change is no result
        (8.0, 9.0, "decrease", False),
        (8.0, 9.0, "increase", True),
        (8.0, 8.0, "increase", False),
        (8.0, 7.0, "increase", False),
    ],
)
def test_a_key_results_target_lies_beyond_its_baseline(
    baseline: float, target: float, direction: str, ok: bool
) -> None:
    doc = strategy_doc()
    doc["goals"][0]["objectives"][0]["key_results"] = [
        kr(baseline=baseline, target=target, direction=direction)
    ]
    if ok:
        validate(doc)
        return
    word = "above" if direction == "increase" else "below"
    assert problems(doc) == [
        f"goals[0].objectives[0].key_results[0]: target {target:g} must be {word} the "
        f"baseline {baseline:g} to {direction}"
    ]


@pytest.mark.parametrize(("budget", "ok"), [(0.0, True), (-0.01, False), (True, False)])
def test_a_budget_is_a_number_not_below_zero(budget: object, ok: bool) -> None:
    doc = strategy_doc()
    doc["programmes"][0]["budget"] = budget
    if ok:
        assert validate(doc).programmes[0].budget == 0.0
    else:
        assert problems(doc)[0].startswith("programmes[0].budget: ")


def test_a_baseline_must_be_a_number() -> None:
    doc = strategy_doc()
    doc["goals"][0]["objectives"][0]["key_results"] = [kr(baseline="8")]
    assert problems(doc) == [
        "goals[0].objectives[0].key_results[0].baseline: Input should be a valid number"
    ]


def test_flatten_keeps_parents_and_positions_per_parent() -> None:
    items = flatten(validate(strategy_doc()))
    shown = [(i.kind, i.key, i.parent, i.position) for i in items]
    assert shown == [
        (Kind.goal, "g-reliable", None, 0),
        (Kind.objective, "o-restore", "g-reliable", 0),
        (Kind.key_result, "kr-mttr", "o-restore", 0),
        (Kind.objective, "o-repeat", "g-reliable", 1),
        (Kind.goal, "g-easy", None, 1),
        (Kind.programme, "p-desk", None, 0),
    ]
    result = items[2]
    assert (result.metric, result.unit, result.baseline, result.target) == ("mttr_hours", "h", 8, 4)
    assert (result.direction, result.due, result.budget) == ("decrease", date(2027, 6, 30), None)
    assert items[5].budget == 1000.0 and items[5].metric is None
    assert items[0].owner == "Carmen Ruiz" and items[0].title == "Reliable services"


def test_changes_say_created_updated_unchanged_and_removed() -> None:
    before = {i.key: i for i in flatten(validate(strategy_doc()))}
    doc = copy.deepcopy(strategy_doc())
    doc["goals"][0]["objectives"][0]["title"] = "Restore much faster"
    doc["goals"][0]["objectives"].pop(1)
    doc["goals"].append({"key": "g-new", "title": "New", "owner": "Carmen Ruiz"})
    found = changes(flatten(validate(doc)), before)
    assert {c.key: c.kind for c in found} == {
        "g-reliable": Kind.goal,
        "o-restore": Kind.objective,
        "kr-mttr": Kind.key_result,
        "g-easy": Kind.goal,
        "g-new": Kind.goal,
        "p-desk": Kind.programme,
        "o-repeat": Kind.objective,
    }
    outcome = {c.key: (c.outcome, c.changed) for c in found}
    assert outcome == {
        "g-reliable": ("unchanged", ()),
        "o-restore": ("updated", ("title",)),
        "kr-mttr": ("unchanged", ()),
        "g-easy": ("unchanged", ()),
        "g-new": ("created", ()),
        "p-desk": ("unchanged", ()),
        "o-repeat": ("removed", ()),
    }
    assert has_changes(found)
    assert not has_changes([c for c in found if c.outcome == "unchanged"])
    assert not has_changes([])


def test_differing_names_every_changed_field_in_order() -> None:
    a = Item(Kind.key_result, "k", "T", "Priya Nair", "o", 0, "m", "h", 1.0, 2.0, "increase")
    b = Item(Kind.key_result, "k", "T", "Omar Haddad", "o", 1, "m", "h", 1.0, 3.0, "increase")
    assert differing(a, b) == ("owner", "position", "target")
    assert differing(a, a) == ()


def test_an_objective_served_cannot_be_removed_or_turned_into_something_else() -> None:
    served = {"o-restore": ["IMP-0002", "IMP-0001"], "o-idle": []}
    found = [
        ItemChange(Kind.objective, "o-restore", "removed"),
        ItemChange(Kind.objective, "o-idle", "removed"),
        ItemChange(Kind.objective, "o-other", "removed"),
    ]
    assert removal_problems(found, served, Kind.objective) == [
        "o-restore: served by IMP-0001, IMP-0002; change their files first"
    ]
    kept = [ItemChange(Kind.objective, "o-restore", "updated", ("title",))]
    assert removal_problems(kept, served, Kind.objective) == []
    turned = [ItemChange(Kind.goal, "o-restore", "created")]
    assert removal_problems(turned, served, Kind.objective) == [
        "o-restore: served by IMP-0001, IMP-0002; change their files first"
    ]


def test_a_programme_with_improvements_cannot_be_removed() -> None:
    found = [ItemChange(Kind.programme, "p-desk", "removed")]
    assert removal_problems(found, {"p-desk": ["IMP-0003"]}, Kind.programme) == [
        "p-desk: the programme of IMP-0003; change their files first"
    ]
    kept = [ItemChange(Kind.programme, "p-desk", "unchanged")]
    assert removal_problems(kept, {"p-desk": ["IMP-0003"]}, Kind.programme) == []


def test_only_a_ci_manager_manages_the_strategy() -> None:
    assert allowed(Action.manage_strategy, CARMEN)
    assert not allowed(Action.manage_strategy, OMAR)
    retired = PersonView(
        4, "Old Boss", "old@example.org", frozenset({Grant(Role.ci_manager)}), active=False
    )
    assert not allowed(Action.manage_strategy, retired)


def test_a_key_result_is_recorded_by_its_owner_or_a_ci_manager() -> None:
    assert allowed(Action.record_key_result, PRIYA, subject_id=PRIYA.id)
    assert not allowed(Action.record_key_result, PRIYA, subject_id=OMAR.id)
    assert allowed(Action.record_key_result, CARMEN, subject_id=PRIYA.id)
    gone = PersonView(3, "Priya Nair", "priya@example.org", frozenset(), active=False)
    assert not allowed(Action.record_key_result, gone, subject_id=3)


def test_a_key_result_keeps_its_source_window_and_cadence_only_when_fetched() -> None:
    """What the register stores for a key result measured by a capture: its source as JSON
    (a date in a Python source's params as ISO text), its window and its checkpoint cadence;
    one recorded by hand (manual source) keeps its source but no window or cadence."""
    fetched = {
        "kind": "python",
        "function": "itsm.metrics:mttr",
        "params": {"since": date(2026, 1, 1)},
    }
    doc = strategy_doc()
    objective = doc["goals"][0]["objectives"][0]
    objective["key_results"] = [
        kr(source=fetched, window="4w", checkpoints={"cron": "0 6 * * 1"}),
        kr("kr-manual", source={"kind": "manual"}),
        kr("kr-typed"),
    ]
    by_key = {item.key: item for item in flatten(validate(doc))}
    measured = by_key["kr-mttr"]
    assert measured.source == {
        "kind": "python",
        "function": "itsm.metrics:mttr",
        "params": {"since": "2026-01-01"},
    }
    assert (measured.window, measured.checkpoint_cron) == ("4w", "0 6 * * 1")
    manual = by_key["kr-manual"]
    assert (manual.source, manual.window, manual.checkpoint_cron) == (
        {"kind": "manual"},
        None,
        None,
    )
    typed = by_key["kr-typed"]
    assert (typed.source, typed.window, typed.checkpoint_cron) == (None, None, None)
