"""What an improvement file says of the strategy (serves, programme) and the portfolio's
figures: each rule pinned at its edges."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.improvement.spec_form import place, spec_of, values_of
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.strategy import portfolio as rules
from ci_workflow.domain.strategy.portfolio import Member
from ci_workflow.domain.strategy.serves import (
    MAX_SERVES,
    ServeSpec,
    StrategyKeys,
    as_written,
    link_changes,
    links,
    serves_of,
    serves_text,
)
from tests.helpers import improvement_doc

KEYS = StrategyKeys(frozenset({"o-a", "o-b"}), frozenset({"p-x"}))


def validate(**fields: Any) -> ImprovementSpec:
    return ImprovementSpec.model_validate(improvement_doc(**fields), context={"strategy": KEYS})


def problems(**fields: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(**fields)
    return describe_errors(caught.value)


def test_serves_takes_keys_alone_or_with_a_contribution() -> None:
    spec = validate(serves=["o-a", {"objective": "o-b", "contribution": "  -2 h  "}])
    assert spec.serves == [
        ServeSpec(objective="o-a"),
        ServeSpec(objective="o-b", contribution="-2 h"),
    ]
    assert as_written(spec.serves) == ["o-a", {"objective": "o-b", "contribution": "-2 h"}]
    assert validate().serves == [] and validate().programme is None


def test_unknown_keys_twice_too_many_and_bad_shapes_are_refused() -> None:
    assert problems(serves=["o-c"], programme="p-y") == [
        "serves[0].objective: unknown strategic objective 'o-c' (see: improve strategy show)",
        "programme: unknown programme 'p-y' (see: improve strategy show)",
    ]
    assert problems(serves=["o-a", "o-a"]) == ["serves: objective 'o-a' appears twice"]
    assert problems(serves=[{"objective": "o-a", "weight": 1}]) == [
        "serves[0].weight: unknown field"
    ]
    assert problems(serves=[{"objective": "o-a", "contribution": "x\ny"}])[0].startswith(
        "serves[0].contribution: holds"
    )
    assert problems(serves=[{"objective": "o-a", "contribution": "x" * 201}])[0].startswith(
        "serves[0].contribution: String should have at most 200 characters"
    )
    many = [f"o-{n}" for n in range(MAX_SERVES + 1)]
    assert problems(serves=many)[0].startswith(f"serves: List should have at most {MAX_SERVES}")
    assert problems(programme="Not A Key")[0].startswith("programme: String should match")


def test_without_the_strategy_in_context_keys_are_not_checked() -> None:
    doc = improvement_doc(serves=["anything"], programme="whatever")
    for context in ({}, {"strategy": None}, {"strategy": {"objectives": []}}):
        spec = ImprovementSpec.model_validate(doc, context=context)
        assert (spec.serves[0].objective, spec.programme) == ("anything", "whatever")


def test_links_put_the_programme_first_then_the_objectives_in_order() -> None:
    serves = [ServeSpec(objective="o-b", contribution="c"), ServeSpec(objective="o-a")]
    assert links(serves, "p-x") == [
        ("programme", "p-x", ""),
        ("serves", "o-b", "c"),
        ("serves", "o-a", ""),
    ]
    assert links([], None) == []


def test_link_changes_say_old_and_new_per_field() -> None:
    held = [("programme", "p-x", ""), ("serves", "o-a", "c")]
    assert link_changes(held, held) == []
    assert link_changes(held, [("serves", "o-a", "d")]) == [
        ("serves", "o-a (c)", "o-a (d)"),
        ("programme", "p-x", ""),
    ]
    assert link_changes([], [("programme", "p-x", "")]) == [("programme", "", "p-x")]
    assert link_changes([("serves", "o-a", "")], [("serves", "o-b", "")]) == [
        ("serves", "o-a", "o-b")
    ]
    two = [("serves", "o-a", ""), ("serves", "o-b", "")]
    assert link_changes(two, list(reversed(two))) == [("serves", "o-a, o-b", "o-b, o-a")]


def test_the_form_shows_and_reads_serves_one_a_line() -> None:
    document = {"serves": ["o-a", {"objective": "o-b", "contribution": "MTTR: -2 h"}]}
    text = serves_text(document["serves"])
    assert text == "o-a\no-b: MTTR: -2 h"
    assert serves_of(text + "\n\n  \n o-c :  \n") == [
        "o-a",
        {"objective": "o-b", "contribution": "MTTR: -2 h"},
        "o-c",
    ]
    assert serves_text(None) == "" and serves_text([{"objective": "o-a"}]) == "o-a"
    assert serves_text([{"contribution": "x"}]) == ": x"  # the form shows what is missing
    values = values_of(improvement_doc(serves=document["serves"], programme="p-x"))
    assert (values["serves"], values["programme"]) == (text, "p-x")
    read = spec_of(values)
    assert read.spec["serves"] == document["serves"] and read.spec["programme"] == "p-x"
    assert "serves" not in spec_of({**values, "serves": " \n"}).spec


def test_a_problem_of_one_objective_served_is_shown_beside_the_serves_field() -> None:
    values = values_of(improvement_doc(serves=["o-c"]))
    read = spec_of(values)
    placed = place(["serves[0].objective: unknown", "serves: twice"], values, read)
    assert placed == {"serves": ["unknown", "twice"]}


def member(
    status: str,
    serves: tuple[str, ...] = (),
    cost: float | None = 1.0,
    programme: str | None = None,
) -> Member:
    return Member(f"IMP-{status}", status, status, cost, serves, programme)


def test_stages_are_counted_in_the_lifecycle_s_order_without_empty_ones() -> None:
    found = [member("executing"), member("identified"), member("executing")]
    assert list(rules.by_stage(found).items()) == [("identified", 1), ("executing", 2)]
    assert rules.by_stage([]) == {}


def test_rejected_and_withdrawn_improvements_serve_nothing() -> None:
    found = [
        member("withdrawn", ("o-a",)),
        member("rejected", ("o-b",)),
        member("closed", ("o-b",)),
        member("identified", ("o-c",)),
    ]
    assert [m.status for m in rules.serving("o-b", found)] == ["closed"]
    assert rules.serving("o-a", found) == []
    assert rules.unserved(["o-a", "o-b", "o-c", "o-d"], found) == ["o-a", "o-d"]


def test_a_programme_s_spend_counts_what_is_estimated_and_says_what_is_not() -> None:
    found = [
        member("identified", cost=30.0, programme="p-x"),
        member("executing", cost=None, programme="p-x"),
        member("withdrawn", cost=500.0, programme="p-x"),
        member("planned", cost=7.0, programme="p-y"),
    ]
    mine = rules.of_programme("p-x", found)
    assert [m.status for m in mine] == ["identified", "executing"]
    spend = rules.spend(100.0, mine)
    assert (spend.budget, spend.cost, spend.remaining, spend.not_estimated) == (100, 30, 70, 1)
    assert not spend.over_budget
    assert not rules.spend(30.0, mine).over_budget  # exactly the budget is within it
    over = rules.spend(29.99, mine)
    assert over.over_budget and over.remaining == pytest.approx(-0.01)
    assert rules.spend(0.0, []) == rules.Spend(0.0, 0, 0.0, 0, False)
    estimated = [
        member("identified", cost=5.0),
        member("planned", cost=6.0),
        member("defined", cost=None),
    ]
    assert (rules.spend(20.0, estimated).cost, rules.spend(20.0, estimated).not_estimated) == (
        11,
        1,
    )
