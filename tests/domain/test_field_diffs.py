"""What an update of an improvement's file changes, what is frozen once its plan went for
approval, how each value is shown in the audit trail, and which changes bring code to run."""

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest

from ci_workflow.domain.improvement.field_diffs import (
    baseline_differs,
    brings_code,
    frozen_changes,
    objective_changes,
    objective_value_changes,
    shown,
    value_change,
)


@dataclass(frozen=True)
class Objective:
    metric: str
    baseline: float | None = 10.0
    baseline_mode: str = "value"
    target: float = 5.0
    direction: str = "decrease"
    due: Any = date(2027, 3, 31)
    window: str = "7d"
    unit: str = "h"
    description: str = "Mean time to restore"
    source: dict[str, Any] = field(default_factory=lambda: {"kind": "manual"})
    kpi_kind: str = "other"
    input_metric: str | None = None


MTTR = Objective("mttr")
CSAT = Objective("csat", baseline=3.5, target=4.2, direction="increase", unit="")


# --- objective_changes ---


def test_nothing_changed_is_no_change() -> None:
    assert objective_changes([MTTR, CSAT], [MTTR, CSAT]) == []


def test_objectives_added_and_removed_are_target_changes() -> None:
    backlog = Objective("backlog")
    assert objective_changes([MTTR, CSAT], [backlog, MTTR]) == [
        "objective 'backlog' added",
        "objective 'csat' removed",
    ]


@pytest.mark.parametrize(
    ("changed", "what"),
    [
        ({"target": 4.0}, "target"),
        ({"direction": "increase"}, "direction"),
        ({"due": date(2027, 4, 1)}, "due"),
        ({"window": "30d"}, "window"),
        ({"unit": "min"}, "unit"),
        ({"input_metric": "csat"}, "input_metric"),
        ({"baseline": 11.0}, "baseline"),
        ({"baseline_mode": "measure"}, "baseline"),
    ],
)
def test_each_field_of_the_yardstick_is_a_target_change(changed: dict[str, Any], what: str) -> None:
    assert objective_changes([MTTR], [replace(MTTR, **changed)]) == [f"objective 'mttr' {what}"]


def test_the_baseline_comes_first_then_the_fields_in_their_order() -> None:
    wanted = replace(MTTR, unit="min", baseline=12.0, target=4.0, input_metric="x")
    assert objective_changes([MTTR], [wanted]) == [
        "objective 'mttr' baseline, target, unit, input_metric"
    ]


@pytest.mark.parametrize(
    ("changed", "what"),
    [
        ({"description": "MTTR"}, "'mttr' description"),
        ({"source": {"kind": "sql", "url": "sqlite://", "query": "q"}}, "'mttr' source"),
        ({"kpi_kind": "incident_volume"}, "'mttr' kpi_kind"),
        ({"kpi_kind": "incident_volume", "description": "d"}, "'mttr' description, kpi_kind"),
    ],
)
def test_description_source_and_kind_are_changes_but_no_target_changes(
    changed: dict[str, Any], what: str
) -> None:
    assert objective_changes([MTTR], [replace(MTTR, **changed)]) == [what]


def test_both_kinds_of_change_of_several_objectives_in_the_file_s_order() -> None:
    current = [MTTR, CSAT]
    wanted = [replace(CSAT, target=4.5, description="d"), replace(MTTR, due=date(2027, 6, 1))]
    assert objective_changes(current, wanted) == [
        "objective 'csat' target",
        "'csat' description",
        "objective 'mttr' due",
    ]


def test_a_new_order_alone_is_a_change_of_order() -> None:
    assert objective_changes([MTTR, CSAT], [CSAT, MTTR]) == ["objective order"]
    assert objective_changes([MTTR, CSAT], [CSAT, replace(MTTR, target=1.0)]) == [
        "objective 'mttr' target"
    ]


# --- baseline_differs ---


@pytest.mark.parametrize(
    ("old", "new", "differs"),
    [
        (("measure", None), ("measure", 12.0), False),  # measured: data, not the file
        (("measure", 9.0), ("measure", 12.0), False),
        (("value", 10.0), ("value", 10.0), False),
        (("value", 10.0), ("value", 11.0), True),
        (("measure", None), ("value", 10.0), True),
        (("value", 10.0), ("measure", 10.0), True),
    ],
)
def test_a_measured_baseline_is_no_change_of_the_file(
    old: tuple[str, float | None], new: tuple[str, float | None], differs: bool
) -> None:
    before = replace(MTTR, baseline_mode=old[0], baseline=old[1])
    after = replace(MTTR, baseline_mode=new[0], baseline=new[1])
    assert baseline_differs(before, after) is differs


# --- frozen_changes ---


def test_after_approval_the_process_owners_sign_off_and_targets_are_frozen() -> None:
    fields = ["title", "process", "owner", "process_owner", "service_owner_signoff", "vision"]
    changes = ["objective 'mttr' target", "'mttr' description", "objective order"]
    assert frozen_changes(fields, changes) == [
        "process",
        "owner",
        "process_owner",
        "service_owner_signoff",
        "objective 'mttr' target",
        "objective order",
    ]
    assert frozen_changes(["title"], ["'mttr' source"]) == []


# --- shown ---


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        ("", "—"),
        (0, "0"),
        (0.0, "0"),
        (2.50, "2.5"),
        (1e-07, "1e-07"),
        (12, "12"),
        (True, "True"),
        ("7d", "'7d'"),
        (date(2027, 3, 31), "2027-03-31"),
        ([1.5, "a", None], "[1.5, 'a', —]"),
        ((2, 3), "[2, 3]"),
        ({"kind": "sql", "timeout": 30.0}, "{kind: 'sql', timeout: 30}"),
        ({}, "{}"),
    ],
)
def test_a_value_as_the_audit_trail_shows_it(value: Any, text: str) -> None:
    assert shown(value) == text


def test_a_long_value_is_cut_to_a_hundred_characters() -> None:
    assert shown("x" * 98) == "'" + "x" * 98 + "'"  # 100 characters: whole
    cut = shown("x" * 99)
    assert cut == "'" + "x" * 98 + "…" and len(cut) == 100


def test_a_change_shows_the_old_and_the_new_value() -> None:
    assert value_change("mttr.target", 5.0, 4.0) == "mttr.target 5 → 4"
    assert value_change("mttr.unit", "", "min") == "mttr.unit — → 'min'"


# --- objective_value_changes ---


def test_each_changed_field_with_its_old_and_new_value() -> None:
    wanted = replace(
        MTTR, target=4.0, window="30d", kpi_kind="incident_volume", input_metric="calls"
    )
    assert objective_value_changes([MTTR], [wanted]) == [
        "mttr.target 5 → 4",
        "mttr.window '7d' → '30d'",
        "mttr.input_metric — → 'calls'",
        "mttr.kpi_kind 'other' → 'incident_volume'",
    ]


def test_added_retired_and_unchanged_objectives() -> None:
    backlog = Objective("backlog")
    assert objective_value_changes([MTTR, CSAT], [backlog, CSAT]) == [
        "objective 'backlog' added",
        "objective 'mttr' retired (its snapshots are kept)",
    ]


def test_the_baseline_shows_measure_or_its_number() -> None:
    measured = replace(MTTR, baseline_mode="measure", baseline=None)
    assert objective_value_changes([MTTR], [measured]) == ["mttr.baseline 10 → 'measure'"]
    assert objective_value_changes([measured], [MTTR]) == ["mttr.baseline 'measure' → 10"]
    remeasured = replace(measured, baseline=12.0)
    assert objective_value_changes([measured], [remeasured]) == []
    assert objective_value_changes([MTTR], [replace(MTTR, baseline=9.5)]) == [
        "mttr.baseline 10 → 9.5"
    ]


def test_a_changed_source_is_shown_without_its_secrets() -> None:
    old = replace(MTTR, source={"kind": "sql", "url": "postgresql://r:pw1@db/x", "query": "q"})
    new = replace(MTTR, source={"kind": "sql", "url": "postgresql://r:pw2@db/y", "query": "q"})
    (line,) = objective_value_changes([old], [new])
    assert line == (
        "mttr.source {kind: 'sql', url: 'postgresql://r:***@db/x', query: 'q'} → "
        "{kind: 'sql', url: 'postgresql://r:***@db/y', query: 'q'}"
    )
    assert "pw1" not in line and "pw2" not in line


def test_the_lines_follow_the_file_s_order_of_objectives() -> None:
    wanted = [replace(CSAT, unit="pts"), replace(MTTR, unit="min")]
    assert objective_value_changes([MTTR, CSAT], wanted) == [
        "csat.unit — → 'pts'",
        "mttr.unit 'h' → 'min'",
    ]


# --- brings_code ---


def python(function: str) -> dict[str, Any]:
    return {"kind": "python", "function": function}


def test_a_python_source_new_or_pointing_elsewhere_brings_code() -> None:
    current = [replace(MTTR, source=python("m:f")), CSAT]
    wanted = [
        replace(MTTR, source=python("m:f")),  # the same function: nothing new runs
        replace(CSAT, source=python("m:g")),  # manual became code
        Objective("backlog", source=python("m:h")),  # new, with code
        Objective("queue", source={"kind": "sql", "url": "sqlite://", "query": "q"}),
    ]
    assert brings_code(current, wanted) == ["csat", "backlog"]
    assert brings_code(current, [replace(MTTR, source=python("m:other"))]) == ["mttr"]
    assert brings_code(current, [MTTR]) == []
