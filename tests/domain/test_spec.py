"""The improvement file's schema: shape, people and SMART checks, all problems at once."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.authority.people import Directory, Grant, PersonView
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.vocabulary import Role
from tests.helpers import improvement_doc, objective_doc

DIRECTORY = Directory(
    [
        PersonView(
            1,
            "Omar Haddad",
            "omar@example.org",
            frozenset({Grant(Role.process_owner, "Incident Management")}),
        ),
        PersonView(
            2, "Lena Fischer", "lena@example.org", frozenset({Grant(Role.improvement_team)})
        ),
        PersonView(3, "Priya Nair", "priya@example.org", frozenset()),
    ]
)


def validate(doc: dict[str, Any]) -> ImprovementSpec:
    context = {"people": DIRECTORY, "identified": date(2026, 11, 2)}
    return ImprovementSpec.model_validate(doc, context=context)


def problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(doc)
    return describe_errors(caught.value)


def test_a_valid_file_passes_and_the_process_owner_is_found_by_role() -> None:
    spec = validate(improvement_doc())
    assert spec.process_owner == "Omar Haddad"
    assert spec.objectives[0].source.kind == "manual"


def test_people_are_found_by_email_and_stored_by_name() -> None:
    spec = validate(improvement_doc(owner="LENA@example.org"))
    assert spec.owner == "Lena Fischer"


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    doc = improvement_doc(
        strategic_impact=7,
        feasibility="high",
        colour="blue",
        owner="Zed Unknown",
        objectives=[
            objective_doc(target="lots"),
            objective_doc(metric="Bad Metric", direction="up"),
        ],
    )
    del doc["type"]
    found = problems(doc)
    assert "strategic_impact: Input should be less than or equal to 5" in found
    assert "feasibility: Input should be a valid integer" in found
    assert "colour: unknown field" in found
    assert "type: required field is missing" in found
    assert "owner: unknown person 'Zed Unknown' (add them with: improve people add)" in found
    assert "objectives[0].target: Input should be a valid number" in found
    assert any(p.startswith("objectives[1].metric: String should match pattern") for p in found)
    assert "objectives[1].direction: Input should be 'increase' or 'decrease'" in found
    assert len(found) == 8


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        (
            {"baseline": 9.5, "target": 12, "direction": "decrease"},
            "objectives[0]: target 12 must be below the baseline 9.5 to decrease",
        ),
        (
            {"baseline": 80, "target": 80, "direction": "increase"},
            "objectives[0]: target 80 must be above the baseline 80 to increase",
        ),
        (
            {"due": "2026-10-01"},
            "objectives[0].due: due date 2026-10-01 must be after the identification date 2026-11-02",
        ),
        ({"target": float("nan")}, "objectives[0].target: Input should be a finite number"),
        (
            {"window": "a week"},
            "objectives[0].window: expected a count and a unit h, d or w, e.g. 7d",
        ),
    ],
)
def test_objectives_that_are_not_smart_are_refused(
    objective: dict[str, Any], expected: str
) -> None:
    assert problems(improvement_doc(objectives=[objective_doc(**objective)])) == [expected]


def test_a_baseline_to_be_measured_needs_no_side_check() -> None:
    spec = validate(improvement_doc(objectives=[objective_doc(baseline="measure", target=1)]))
    assert spec.objectives[0].baseline == "measure"


def test_objective_fields_are_required() -> None:
    bare = {"metric": "mttr_hours"}
    found = problems(improvement_doc(objectives=[bare]))
    assert {p.split(":")[0] for p in found} == {
        f"objectives[0].{f}" for f in ("source", "baseline", "target", "direction", "due")
    }


def test_a_metric_may_appear_only_once() -> None:
    assert problems(improvement_doc(objectives=[objective_doc(), objective_doc()])) == [
        "objectives: metric 'mttr_hours' appears twice"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"process_owner": "Lena Fischer"},
            "process_owner: Lena Fischer is not a process owner of 'Incident Management'",
        ),
        (
            {"process": "Change Enablement"},
            "process_owner: not given, and none is registered for process 'Change Enablement'",
        ),
        ({"team": ["Lena Fischer", "Nobody", "Nemo"]}, "team: unknown people: Nobody, Nemo"),
    ],
)
def test_people_and_roles_are_checked(changes: dict[str, Any], expected: str) -> None:
    (found,) = problems(improvement_doc(**changes))
    assert found.startswith(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            {"kind": "sql", "url": "not a url", "query": "select 1"},
            "objectives[0].source.url: not a database URL (e.g. postgresql://host/db)",
        ),
        (
            {"kind": "csv", "path": "x.csv", "timestamp_column": "opened", "aggregation": "mean"},
            "objectives[0].source: aggregation 'mean' needs a value_column",
        ),
        (
            {"kind": "http", "url": "https://x.example/api", "path": "data..value"},
            "objectives[0].source.path: String should match pattern",
        ),
        (
            {"kind": "python", "function": "not a function"},
            "objectives[0].source.function: String should match pattern",
        ),
        (
            {"kind": "ftp"},
            "objectives[0].source: Input tag 'ftp' found using 'kind' does not match",
        ),
        ({"kind": "manual", "url": "x"}, "objectives[0].source.url: unknown field"),
    ],
)
def test_metric_source_shapes_are_checked(source: dict[str, Any], expected: str) -> None:
    (found,) = problems(improvement_doc(objectives=[objective_doc(source=source)]))
    assert found.startswith(expected)


def test_a_bad_database_url_is_not_echoed() -> None:
    source = {"kind": "sql", "url": "postgresql://u:hunter2@:bad:port/db", "query": "select 1"}
    found = problems(improvement_doc(objectives=[objective_doc(source=source)]))
    assert found and "hunter2" not in " ".join(found)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"strategic_impact": True}, "strategic_impact: Input should be a valid integer"),
        ({"feasibility": "3"}, "feasibility: Input should be a valid integer"),
        ({"estimated_cost": True}, "estimated_cost: Input should be a valid number"),
        (
            {"objectives": [objective_doc(target=True)]},
            "objectives[0].target: Input should be a valid number",
        ),
        (
            {
                "objectives": [
                    objective_doc(
                        source={"kind": "http", "url": "http://x/", "path": "v", "retries": True}
                    )
                ]
            },
            "objectives[0].source.retries: Input should be a valid integer",
        ),
    ],
)
def test_booleans_and_quoted_numbers_are_not_numbers(
    changes: dict[str, Any], expected: str
) -> None:
    assert expected in problems(improvement_doc(**changes))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("99999999999999999999w", "expected a count and a unit h, d or w, e.g. 7d"),
        ("157w", "a window is at most three years (156w)"),
        ("1098d", None),
    ],
)
def test_windows_are_bounded(window: str, expected: str | None) -> None:
    doc = improvement_doc(objectives=[objective_doc(window=window)])
    if expected is None:
        assert validate(doc).objectives[0].window == window
    else:
        assert problems(doc) == [f"objectives[0].window: {expected}"]


def test_counts_and_lengths_are_bounded() -> None:
    doc = improvement_doc(
        description="x" * 20_001,
        objectives=[objective_doc(metric=f"m{i}") for i in range(51)],
        plan=[{"action": "a", "owner": "Lena Fischer"}] * 201,
        team=["Lena Fischer"] * 101,
    )
    found = problems(doc)
    assert "description: String should have at most 20000 characters" in found
    assert "objectives: List should have at most 50 items after validation, not 51" in found
    assert "plan: List should have at most 200 items after validation, not 201" in found
    assert "team: List should have at most 100 items after validation, not 101" in found
