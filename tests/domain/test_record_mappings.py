"""The problem and SLA mappings: the columns they need of an export, their defaults, and what
they refuse."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ci_workflow.domain.records.problem_mapping import ProblemMapping
from ci_workflow.domain.records.sla_mapping import SlaMapping


def test_a_problem_mapping_needs_exactly_its_mapped_columns() -> None:
    found = ProblemMapping.model_validate(
        {"columns": {"id": " number ", "state": "state", "fix": "rfc", "known_error": None}}
    )
    assert found.required_columns() == {"number", "state", "rfc"}
    assert (found.true_values, found.fix_values) == (["true", "yes", "y", "1"], [])
    assert (found.timestamp_format, found.missing, found.delimiter) == (
        "%Y-%m-%d %H:%M:%S",
        "",
        ",",
    )


def test_an_sla_mapping_needs_exactly_its_mapped_columns() -> None:
    columns = {"task": "task", "definition": "sla", "has_breached": "breached", "start": "from"}
    found = SlaMapping.model_validate({"columns": columns | {"id": "sys_id"}})
    assert found.required_columns() == {"task", "sla", "breached", "from", "sys_id"}
    assert found.cancelled_stages == ["Cancelled", "cancelled"]
    assert SlaMapping.model_validate({"columns": columns}).required_columns() == set(
        columns.values()
    )


@pytest.mark.parametrize(
    ("model", "given"),
    [
        (ProblemMapping, {"columns": {"id": "number"}}),  # no state
        (ProblemMapping, {"columns": {"id": "n", "state": "s"}, "owner": "x"}),  # unknown key
        (ProblemMapping, {"columns": {"id": "n", "state": "s"}, "delimiter": ";;"}),
        (SlaMapping, {"columns": {"task": "t", "definition": "d", "has_breached": "b"}}),
    ],
)
def test_a_mapping_missing_a_column_or_with_an_unknown_key_is_refused(
    model: type[ProblemMapping] | type[SlaMapping], given: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(given)
