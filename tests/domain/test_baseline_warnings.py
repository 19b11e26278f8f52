"""A measured baseline its owner has not confirmed (``domain.stages.gate_warnings``): the line
the owner confirms, what makes it confirmed, where it warns, and which decisions need the
decider to confirm reading it (issue 25)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ci_workflow.domain.stages.gate_warnings import (
    GateWarning,
    MeasuredBaseline,
    gate_warnings,
    needs_confirming,
)
from ci_workflow.domain.vocabulary import Gate

AT = datetime(2026, 11, 12, 6, 5, tzinfo=UTC)


def measured(**changed: object) -> MeasuredBaseline:
    fields: dict[str, object] = {
        "metric": "mttr_hours",
        "unit": "h",
        "value": 9.25,
        "window": "30d",
        "source": "csv",
        "measured_at": AT,
    }
    fields.update(changed)
    return MeasuredBaseline(**fields)  # type: ignore[arg-type]


def test_the_line_says_value_when_window_and_source() -> None:
    assert measured().line == (
        "mttr_hours: 9.25 h measured 2026-11-12 06:05 UTC over 30d from the csv source"
    )
    assert measured(measured_at=None, value=1400.0, unit="").line == (
        "mttr_hours: 1,400 measured by hand over 30d from the csv source"
    )


def test_confirmed_only_as_measured() -> None:
    line = measured().line
    assert measured(confirmed=line).is_confirmed
    assert not measured().is_confirmed
    # measured again, or another value: what was confirmed is no longer what stands
    assert not measured(confirmed=line, measured_at=datetime(2026, 11, 13, tzinfo=UTC)).is_confirmed
    assert not measured(confirmed=line, value=9.5).is_confirmed


def test_an_unconfirmed_baseline_warns_at_the_plan_approval_only() -> None:
    waiting = measured()
    expected = GateWarning(
        "baseline", f"The owner has not confirmed the measured baseline {waiting.line}"
    )
    assert gate_warnings(Gate.plan_approval, [], (), [waiting]) == [expected]
    assert gate_warnings(Gate.plan_approval, [], (), [measured(confirmed=waiting.line)]) == []
    for gate in (Gate.resubmitted, Gate.execution_complete, Gate.review_signoff):
        assert [w for w in gate_warnings(gate, [], (), [waiting]) if w.kind == "baseline"] == []


@pytest.mark.parametrize(
    ("decision", "kind", "needed"),
    [
        ("approve", "baseline", True),
        ("approve", "failing", False),  # a failing source does not stop an approval
        ("reject", "baseline", False),
        ("rework", "baseline", False),
        ("complete", "failing", True),
        ("accept", "unmet", True),
        ("extend", "unmet", False),
        ("resubmit", "baseline", False),
    ],
)
def test_which_decisions_need_the_warning_confirmed(decision: str, kind: str, needed: bool) -> None:
    assert needs_confirming(decision, kind) is needed
