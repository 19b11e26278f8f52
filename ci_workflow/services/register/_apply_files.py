"""Reading improvement files before anything is written: each file parsed (bounded, strict YAML),
then every file validated against the register's people, with every problem listed at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ci_workflow.domain.authority.people import Directory
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.improvement.spec import ImprovementSpec
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.strategy.serves import StrategyKeys
from ci_workflow.domain.strict_yaml import MAX_BYTES, load_mapping
from ci_workflow.errors import ValidationFailed
from ci_workflow.metrics.placement import placed
from ci_workflow.metrics.placement import problems as source_problems


def read_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationFailed(
                str(path),
                [f"{path}: larger than {MAX_BYTES:,} bytes; an improvement file is a page of text"],
            )
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValidationFailed(str(path), [f"{path}: cannot read: {reason}"]) from None


def parse_all(documents: list[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    problems: list[str] = []
    parsed: list[tuple[str, dict[str, Any]]] = []
    for source, text in documents:
        try:
            parsed.append((source, load_mapping(text, source=source)))
        except ValidationFailed as failed:
            problems.extend(f"{source}: {problem}" for problem in failed.problems)
    if problems:
        raise ValidationFailed(_where(documents), problems)
    return parsed


def _where(documents: list[tuple[str, Any]]) -> str:
    return documents[0][0] if len(documents) == 1 else f"{len(documents)} files"


def keys_of(documents: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The keys the files name, to read their improvements in one go."""
    return [str(data.get("key", "")) for _, data in documents]


def validate_all(
    documents: list[tuple[str, dict[str, Any]]],
    directory: Directory,
    registered: Mapping[str, date],
    found: Sequence[str] = (),
    strategy: StrategyKeys | None = None,
) -> list[tuple[str, ImprovementSpec]]:
    """``registered``: when the improvements already in the register were identified, by key;
    ``found``: problems already found in these files, listed with the others."""
    problems: list[str] = list(found)
    specs: list[tuple[str, ImprovementSpec]] = []
    seen_keys: dict[str, str] = {}
    for source, data in documents:
        context = {
            "people": directory,
            "identified": _identified(data, registered),
            "strategy": strategy,
        }
        try:
            spec = ImprovementSpec.model_validate(data, context=context)
        except ValidationError as error:
            problems.extend(f"{source}: {line}" for line in describe_errors(error))
            continue
        folder = Path(source).parent
        for number, objective in enumerate(spec.objectives):
            sourced = placed(objective.source.model_dump(mode="json"), folder)
            problems.extend(
                f"{source}: objectives[{number}].source.{field}: {problem}"
                for field, problem in source_problems(sourced, folder)
            )
        if spec.key in seen_keys:
            problems.append(f"{source}: key: {spec.key!r} is also used by {seen_keys[spec.key]}")
        seen_keys[spec.key] = source
        specs.append((source, spec))
    if problems:
        raise ValidationFailed(_where(documents), problems)
    return specs


def _identified(data: dict[str, Any], registered: Mapping[str, date]) -> date:
    """The date objectives' due dates are checked against: the file's, the register's, or today."""
    given = data.get("identified")
    if isinstance(given, date):
        return given
    if isinstance(given, str):  # as JSON gives a date (the workspace's API)
        try:
            return date.fromisoformat(given)
        except ValueError:
            pass  # the schema says what is wrong with it
    return registered.get(str(data.get("key", ""))) or utcnow().date()
