"""Key results' sources in a strategy file as the workspace shows it: secrets masked
(``redact.redact_source``); applied back, each mask stands for the secret the register holds for
that key result's source (``unmask.restore_secrets``), and one that stands for none is a
problem of the file, never stored."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from ci_workflow.domain.redact import MASK, redact_source
from ci_workflow.domain.unmask import restore_secrets


def _key_results(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each key result written as a mapping with a source mapping, with its path; any other
    shape is left to the schema to name."""
    goals = data.get("goals")
    for g, goal in enumerate(goals if isinstance(goals, list) else []):
        objectives = goal.get("objectives") if isinstance(goal, dict) else None
        for o, objective in enumerate(objectives if isinstance(objectives, list) else []):
            results = objective.get("key_results") if isinstance(objective, dict) else None
            for k, result in enumerate(results if isinstance(results, list) else []):
                if isinstance(result, dict) and isinstance(result.get("source"), dict):
                    yield f"goals[{g}].objectives[{o}].key_results[{k}]", result


def masked(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The strategy with its key results' sources as they may be shown, and whether any
    secret was masked."""
    shown, changed = copy.deepcopy(data), False
    for _, result in _key_results(shown):
        safe = redact_source(result["source"])
        changed = changed or safe != result["source"]
        result["source"] = safe
    return shown, changed


def unmasked(
    data: dict[str, Any], held: Mapping[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[str]]:
    """``held``: the sources the register holds, by key result. The strategy with its masks
    replaced by the secrets they stand for, and the problems of masks that stand for none."""
    restored, problems = copy.deepcopy(data), []
    for path, result in _key_results(restored):
        source, left = restore_secrets(result["source"], held.get(str(result.get("key"))))
        result["source"] = source
        problems += [
            f"{path}.source.{field}: {MASK!r} stands for a secret this register does not hold "
            "for this key result's source; write the secret itself"
            for field in left
        ]
    return restored, problems
