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
