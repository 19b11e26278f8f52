"""Where key results' sources point, checked at apply as improvement objectives' are
(``metrics.placement``): files inside the data roots (relative paths from the strategy file's
folder), a database dialect this installation knows, an allowed Python module, a public or
allowed web address. One problem per field, naming the file and the key result's path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ci_workflow.domain.strategy.changes import Item
from ci_workflow.domain.strategy.spec import StrategySpec
from ci_workflow.errors import ValidationFailed
from ci_workflow.metrics.placement import placed
from ci_workflow.metrics.placement import problems as source_problems


def placed_sources(name: str, spec: StrategySpec, items: list[Item]) -> list[Item]:
    """``items`` (flattened from ``spec``, applied from file ``name``) with their sources'
    file paths made absolute; any source that may not be captured refuses the whole file."""
    folder = Path(name).parent
    paths = {item.key: path for path, item in spec.items()}
    found: list[str] = []
    out: list[Item] = []
    for item in items:
        if item.source is None:
            out.append(item)
            continue
        source = placed(item.source, folder)
        found += [
            f"{name}: {paths[item.key]}.source.{field}: {problem}"
            for field, problem in source_problems(source, folder)
        ]
        out.append(replace(item, source=source))
    if found:
        raise ValidationFailed(name, found)
    return out
