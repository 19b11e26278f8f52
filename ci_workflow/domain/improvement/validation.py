"""Pydantic's validation errors as people read them: one line per problem, with the path of
the field as it was written (``objectives[0].target: Input should be a valid number``)."""

from __future__ import annotations

from pydantic import ValidationError

from ci_workflow.domain.improvement.sources import SOURCE_KINDS


def describe_errors(error: ValidationError) -> list[str]:
    """One line per problem: ``objectives[0].target: Input should be a valid number``."""
    lines = []
    for problem in error.errors(include_url=False):
        path = _path(problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown field"
        elif problem["type"] == "missing":
            message = "required field is missing"
        lines.append(f"{path}: {message}" if path else message)
    return lines


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    previous: int | str | None = None
    for part in loc:
        if previous == "source" and part in SOURCE_KINDS:
            previous = part
            continue  # pydantic puts the union's tag in the path; people never wrote it
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
        previous = part
    return text
