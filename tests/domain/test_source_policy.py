"""The rules a Python source's params follow (issue 24, #9): bounded in size, number and depth,
and shown with every secret they hold masked."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ci_workflow.domain.improvement.sources import validate_source
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.redact import MASK, redact_source


def python(params: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "python", "function": "acme_metrics.itsm:score", "params": params}


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"level": value}
    return value


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"rows": "x" * 10_001}, "10,013 characters as JSON, more than the 10,000 allowed"),
        ({"ids": list(range(600))}, "more than the 500 values allowed (nested ones included)"),
        ({"deep": nested(5)}, "nested deeper than the 5 levels allowed"),
    ],
)
def test_params_are_bounded_and_the_error_names_the_field(
    params: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_source(python(params))
    (line,) = describe_errors(refused.value)
    assert line.endswith(f".params: {problem}")  # objectives[0].source.params in a file


def test_params_within_the_bounds_are_kept_as_written() -> None:
    params = {"team": "network", "ids": list(range(400)), "deep": nested(4), "note": "x" * 5000}
    assert validate_source(python(params)).model_dump()["params"] == params


def test_every_secret_a_param_holds_is_masked_however_it_is_named_or_nested() -> None:
    shown = redact_source(
        python(
            {
                "dsn": "host=db user=reader password=s3cret-1",
                "database": "postgresql://reader:s3cret-2@db.example.org/itsm",
                "connection_string": "Server=db;Password=s3cret-3",
                "options": {
                    "api": {"Token": "s3cret-4"},
                    "notes": ["see https://u:s3cret-5@x.org/m"],
                },
                "libpq": "host=db password='s3 cret-6' dbname=itsm",
                "team": "network",
                "days": 7,
            }
        )
    )["params"]
    assert "s3cret" not in str(shown) and "cret-6" not in str(shown)
    assert shown["dsn"] == shown["connection_string"] == MASK
    assert shown["database"] == "postgresql://reader:***@db.example.org/itsm"
    assert shown["options"] == {"api": {"Token": MASK}, "notes": ["see https://u:***@x.org/m"]}
    assert shown["libpq"] == "host=db password=*** dbname=itsm"
    assert (shown["team"], shown["days"]) == ("network", 7)  # what is not secret is shown
