"""The warnings where a gate is decided (``domain.stages.gate_warnings``): counted from the
captures themselves, in words, secrets masked, and only where they matter."""

from __future__ import annotations

import itertools
import random
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
SECRET_ERROR = "ConnectError: https://bot:s3cret@metrics.example.org/mttr refused"


def attempts(pattern: str, start: datetime = START) -> list[Attempt]:
    """One checkpoint a day: ``v`` a value, ``x`` a failure (its error says which day)."""
    return [
        Attempt(start + timedelta(days=n), "checkpoint", 5.0, None)
        if mark == "v"
        else Attempt(start + timedelta(days=n), "checkpoint", None, f"HTTP 503 on day {n}")
        for n, mark in enumerate(pattern)
    ]


def test_the_failures_counted_are_those_since_the_last_success() -> None:
    rng = random.Random(22)
    for _ in range(200):
        pattern = "".join(rng.choice("vxx") for _ in range(rng.randint(1, 40)))
        shuffled = attempts(pattern)
        rng.shuffle(shuffled)  # the rule orders them itself
        trailing = list(itertools.takewhile(lambda mark: mark == "x", reversed(pattern)))
        found = failing(shuffled)
        if not trailing:
            assert found is None, pattern
            continue
        assert found is not None and found.count == len(trailing), pattern
        first_day = len(pattern) - len(trailing)
        assert found.since == START + timedelta(days=first_day)
        assert found.last_error == f"HTTP 503 on day {len(pattern) - 1}"


def test_objectives_never_measured_read_as_one_warning_naming_the_failing_source() -> None:
    tried = [
        Attempt(START + timedelta(days=n), "checkpoint", None, SECRET_ERROR) for n in range(26)
    ]
    facts = [
        ObjectiveFacts("mttr_hours", "h", "http", tried),
        ObjectiveFacts("reopen_rate", "%", "http", tried),
    ]
    (warning,) = gate_warnings(Gate.review_signoff, facts)
    assert warning.kind == "unmeasured"
    assert warning.text == (
        "2 of 2 objectives (mttr_hours, reopen_rate) have no measurement: the http source "
        "failed 26 times since 1 Oct 2026, last error: ConnectError: "
        "https://bot:***@metrics.example.org/mttr refused"
    )
    assert "s3cret" not in warning.text


def test_a_baseline_alone_is_no_measurement_and_each_cause_is_named() -> None:
    baseline = [Attempt(START, "baseline", 9.5, None)]
    facts = [
        ObjectiveFacts("mttr_hours", "h", "sql", baseline),
        ObjectiveFacts("backlog", "", "http", attempts("xx")),
        ObjectiveFacts("fcr", "%", "manual", attempts("v"), verdict="met", latest=80, target=75),
    ]
    (warning,) = gate_warnings(Gate.execution_complete, facts)
    assert warning.text == (
        "2 of 3 objectives have no measurement: mttr_hours: no capture was made yet; "
        "backlog: the http source failed 2 times since 1 Oct 2026, last error: HTTP 503 on day 1"
    )


def test_a_source_failing_since_its_last_value_warns_at_every_gate() -> None:
    facts = [ObjectiveFacts("mttr_hours", "h", "sql", attempts("vvx"))]
    for gate in Gate:
        (warning,) = gate_warnings(gate, facts)
        assert warning.kind == "failing"
        assert warning.text.startswith("mttr_hours: the sql source failed once since 3 Oct 2026")


def test_changes_and_unmet_objectives_warn_only_where_the_work_is_judged() -> None:
    facts = [
        ObjectiveFacts("mttr_hours", "h", "sql", attempts("v"), "partially met", 6.30294, 6),
        ObjectiveFacts("fcr", "%", "sql", attempts("v"), "met", 80, 75),
    ]
    changes = [
        ChangeFacts("CHG1", "Implement", "open"),
        ChangeFacts("CHG1", "Implement", "open"),  # two actions, one change: told once
        ChangeFacts("CHG2", "Closed", "failed", "unsuccessful"),
        ChangeFacts("CHG3", "Closed", "closed", "successful"),
        ChangeFacts("CHG9", None, None),
    ]
    texts = [w.text for w in gate_warnings(Gate.review_signoff, facts, changes)]
    assert texts == [
        "Change CHG1 is Implement (not closed)",
        "Change CHG2 failed (unsuccessful)",
        "Change CHG9 was not found among the imported changes",
        "mttr_hours is partially met: latest 6.303 h against a target of 6 h",
    ]
    assert gate_warnings(Gate.plan_approval, facts, changes) == []
    assert gate_warnings(Gate.resubmitted, facts, changes) == []
