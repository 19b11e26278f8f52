"""Edges of the gate warnings (``domain.stages.gate_warnings``): the error kept when a capture
gave none, the cut of a long error, the kind of each warning, singular and plural, and numbers
as the workspace shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ci_workflow.domain.stages.gate_warnings import (
    Attempt,
    ChangeFacts,
    ObjectiveFacts,
    failing,
    gate_warnings,
)
from ci_workflow.domain.vocabulary import Gate

START = datetime(2026, 10, 1, tzinfo=UTC)


def failed(error: str | None, days: int = 1) -> list[Attempt]:
    return [Attempt(START + timedelta(days=n), "checkpoint", None, error) for n in range(days)]


def measured_once() -> list[Attempt]:
    return [Attempt(START, "checkpoint", 5.0, None)]


def test_a_failure_that_kept_no_error_says_so() -> None:
    found = failing(failed(None, days=3))
    assert found is not None
    assert found.count == 3
    assert found.last_error == "no reason kept"


def test_an_error_of_exactly_the_limit_is_kept_whole() -> None:
    error = "E" * 300
    found = failing(failed(error))
    assert found is not None
    assert found.last_error == error


def test_a_longer_error_is_cut_to_the_limit_with_an_ellipsis() -> None:
    error = "".join(str(n % 10) for n in range(301))
    found = failing(failed(error))
    assert found is not None
    assert len(found.last_error) == 300
    assert found.last_error == error[:299] + "…"
    assert found.last_error.endswith("8…")  # the 299th character is digit 298 % 10


def test_each_warning_at_a_judged_gate_has_its_kind() -> None:
    facts = [
        ObjectiveFacts("fcr", "%", "sql", measured_once(), "not met", 60, 75),
    ]
    changes = [ChangeFacts("CHG7", "Implement", "open")]
    warnings = gate_warnings(Gate.execution_complete, facts, changes)
    assert [(w.kind, w.text) for w in warnings] == [
        ("change", "Change CHG7 is Implement (not closed)"),
        ("unmet", "fcr is not met: latest 60 % against a target of 75 %"),
    ]


def test_the_only_objective_unmeasured_reads_in_the_singular() -> None:
    facts = [ObjectiveFacts("mttr_hours", "h", "sql", [])]
    (warning,) = gate_warnings(Gate.review_signoff, facts)
    assert warning.kind == "unmeasured"
    assert warning.text == (
        "1 of 1 objective (mttr_hours) has no measurement: no capture was made yet"
    )


def test_one_of_several_objectives_unmeasured_has_no_measurement() -> None:
    facts = [
        ObjectiveFacts("mttr_hours", "h", "sql", []),
        ObjectiveFacts("fcr", "%", "sql", measured_once(), "met", 80, 75),
    ]
    (warning,) = gate_warnings(Gate.review_signoff, facts)
    assert warning.text == (
        "1 of 2 objectives (mttr_hours) has no measurement: no capture was made yet"
    )


def test_objectives_sharing_a_cause_are_named_together_among_several_causes() -> None:
    facts = [
        ObjectiveFacts("mttr_hours", "h", "sql", []),
        ObjectiveFacts("backlog", "", "sql", []),
        ObjectiveFacts("fcr", "%", "http", failed("HTTP 503")),
    ]
    (warning,) = gate_warnings(Gate.execution_complete, facts)
    assert warning.text == (
        "3 of 3 objectives have no measurement: mttr_hours, backlog: no capture was made yet; "
        "fcr: the http source failed once since 1 Oct 2026, last error: HTTP 503"
    )


def test_large_and_missing_numbers_read_as_the_workspace_shows_them() -> None:
    facts = [
        ObjectiveFacts("backlog", "tickets", "sql", measured_once(), "not met", 12345.6, 12000),
        ObjectiveFacts("fcr", "%", "sql", measured_once(), "partially met", None, 75.5),
        ObjectiveFacts("queue", "", "sql", measured_once(), "not met", -2500.25, None),
    ]
    texts = [w.text for w in gate_warnings(Gate.review_signoff, facts)]
    assert texts == [
        "backlog is not met: latest 12,346 tickets against a target of 12,000 tickets",
        "fcr is partially met: latest — against a target of 75.5 %",
        "queue is not met: latest -2,500 against a target of —",
    ]
