import pytest

from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import ValidationFailed


def problems(text: str) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_mapping(text, source="f.yaml")
    return caught.value.problems


def test_a_mapping_loads_with_native_dates() -> None:
    data = load_mapping("key: a\ndue: 2027-01-31\n", source="f.yaml")
    assert str(data["due"]) == "2027-01-31" and data["key"] == "a"


def test_a_key_repeated_in_one_mapping_is_refused_with_its_line() -> None:
    assert problems("key: a\ntitle: x\nkey: b\n") == [
        "line 3: key 'key' appears twice in one mapping"
    ]


def test_repeats_are_found_in_nested_mappings_too() -> None:
    assert problems("plan:\n  - action: a\n    action: b\n") == [
        "line 3: key 'action' appears twice in one mapping"
    ]


def test_a_syntax_error_names_line_and_column() -> None:
    (problem,) = problems("key: a\ntitle: [unclosed\n")
    assert problem.startswith("line 3, column 1:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "the file is empty"), ("- a\n- b\n", "expected a mapping at the top, found list")],
)
def test_empty_and_non_mapping_files_are_refused(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_an_impossible_date_is_named_with_its_field_and_line() -> None:
    (problem,) = problems("key: a\nplan:\n  - action: x\n    due: 2027-02-30\n")
    assert problem.startswith("line 4: due: '2027-02-30' is not a real date (")
    assert "day is out of range" in problem


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (problem,) = problems("\n".join(lines) + "\nkey: bomb\n")
    assert problem == "more than 100,000 values once its aliases are expanded (an alias bomb?)"


def test_a_few_aliases_are_fine() -> None:
    data = load_mapping("base: &s {kind: manual}\nsource: *s\n", source="f.yaml")
    assert data["source"] == {"kind": "manual"}


def test_a_file_over_a_megabyte_is_refused_unread() -> None:
    (problem,) = problems("description: " + "x" * 1_000_000 + "\n")
    assert problem == "the file is 1,000,014 characters; at most 1,000,000 are read"
