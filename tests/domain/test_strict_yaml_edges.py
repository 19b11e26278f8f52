"""The edges of strict YAML: every refusal names the file it came from, the exact limits on size
and on values, a key that is a list, and text that is not YAML at all."""

import pytest

from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ValidationFailed


def refused(text: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        load_mapping(text, source="plans/faster.yaml")
    return caught.value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("key: a\nkey: b\n", "line 2: key 'key' appears twice in one mapping"),
        ("due: 2027-02-30\n", "line 1: due: '2027-02-30' is not a real date (day is out of range"),
        ("", "the file is empty"),
        ("[1, 2]\n", "expected a mapping at the top, found list"),
        ("a: [unclosed\n", "line 2, column 1: "),
        ("a: \x01\n", "not valid YAML: ReaderError"),
        ("x" * 1_000_001, "the file is 1,000,001 characters; at most 1,000,000 are read"),
    ],
)
def test_every_refusal_names_the_file(text: str, problem: str) -> None:
    error = refused(text)
    assert error.source == "plans/faster.yaml"
    assert str(error) == "plans/faster.yaml: 1 problem, nothing was written"
    (found,) = error.problems
    assert found.startswith(problem)


def test_a_syntax_error_says_exactly_what_and_where() -> None:
    assert refused("key: a\n  title: b\n").problems == [
        "line 2, column 8: mapping values are not allowed in this context"
    ]


def test_text_with_a_control_character_is_not_yaml() -> None:
    assert refused("title: bell \x07\n").problems == ["not valid YAML: ReaderError"]


def test_a_file_of_exactly_a_megabyte_is_read() -> None:
    text = "a: " + "x" * (1_000_000 - 4) + "\n"
    assert len(text) == 1_000_000
    assert load_mapping(text, source="f.yaml") == {"a": "x" * 999_996}


def test_exactly_the_most_values_allowed_are_read_one_more_is_refused() -> None:
    # the mapping, its key and the list are 3 values; the list's items the rest
    most = load_mapping("a: [" + ", ".join(["1"] * 99_997) + "]\n", source="f.yaml")
    assert len(most["a"]) == 99_997
    error = refused("a: [" + ", ".join(["1"] * 99_998) + "]\n")
    assert error.source == "plans/faster.yaml"
    assert error.problems == [
        "more than 100,000 values once its aliases are expanded (an alias bomb?)"
    ]


def test_aliases_count_every_time_they_are_used() -> None:
    # 50,000 items, used twice: 3 + 50,000 + 1 + 1 + 50,000 = 100,005 values
    items = ", ".join(["1"] * 50_000)
    assert refused(f"a: &x [{items}]\nb: *x\n").problems == [
        "more than 100,000 values once its aliases are expanded (an alias bomb?)"
    ]
    once = load_mapping(f"a: &x [{items}]\n", source="f.yaml")
    assert len(once["a"]) == 50_000


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("? [a, b]\n: 1\n", "line 1, column 3: found unhashable key"),
        ("a: 1\n[x]: 2\n", "line 2, column 1: found unhashable key"),
        ("a: 1\n? {x: 1}\n: 2\n", "line 2, column 3: found unhashable key"),
    ],
)
def test_a_list_or_a_mapping_as_a_key_is_refused_not_a_crash(text: str, problem: str) -> None:
    assert refused(text).problems == [problem]


CYCLE = "an alias refers back to a value that holds it (a cycle): write the value out"


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: *x}\n",  # a mapping in itself
        "a: &x [1, [2, *x]]\n",  # a list two levels down
        "goals: &g\n  - key: g1\n    objectives: *g\n",  # a strategy tree whose goal holds it
    ],
)
def test_a_value_that_holds_itself_is_refused_as_a_cycle(text: str) -> None:
    assert refused(text).problems == [CYCLE]


def test_a_value_used_twice_side_by_side_is_not_a_cycle() -> None:
    data = load_mapping("a: &x {b: [1]}\nc: [*x, *x]\nd: {e: *x}\n", source="f.yaml")
    assert data["c"] == [{"b": [1]}, {"b": [1]}] and data["d"] == {"e": {"b": [1]}}


def test_nested_mappings_and_dates_are_read_whole() -> None:
    data = load_mapping(
        "key: a\nplan:\n  - action: x\n    due: 2027-02-28\n    meta: {k: [1, 2]}\n",
        source="f.yaml",
    )
    assert str(data["plan"][0]["due"]) == "2027-02-28"
    assert data == {
        "key": "a",
        "plan": [{"action": "x", "due": data["plan"][0]["due"], "meta": {"k": [1, 2]}}],
    }


def test_the_first_problem_in_the_file_is_the_one_told() -> None:
    assert refused("[x]: 1\na: 1\na: 2\n").problems == ["line 1, column 1: found unhashable key"]
    assert refused("a: 1\na: 2\n[x]: 1\n").problems == [
        "line 2: key 'a' appears twice in one mapping"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: !!map [1, 2]\n", "line 1, column 4: expected a mapping node, but found sequence"),
        ("a: !!map x\n", "line 1, column 4: expected a mapping node, but found scalar"),
        ("a: !!set [1]\n", "line 1, column 4: expected a mapping node, but found sequence"),
        ("!!map [a, b]\n", "line 1, column 1: expected a mapping node, but found sequence"),
    ],
)
def test_a_list_or_a_text_tagged_as_a_mapping_is_refused_not_a_crash(
    text: str, problem: str
) -> None:
    assert refused(text).problems == [problem]


def test_a_set_is_a_mapping_without_values() -> None:
    assert load_mapping("a: !!set {x, y}\n", source="f.yaml") == {"a": {"x", "y"}}
