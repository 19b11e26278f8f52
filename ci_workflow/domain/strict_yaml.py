"""YAML parsing that refuses what plain ``yaml.safe_load`` lets slip: repeated keys."""

from __future__ import annotations

from typing import Any

import yaml

from ci_workflow.errors import ValidationFailed


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings reject a key given twice (the second would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise ValidationFailed(
                    self.name,
                    [f"line {mark.line + 1}: key {key!r} appears twice in one mapping"],
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_mapping(text: str, *, source: str) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping; errors name ``source`` and the line."""
    loader = _StrictLoader(text)
    loader.name = source
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValidationFailed(source, [f"{where}{exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise ValidationFailed(source, [f"not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    if data is None:
        raise ValidationFailed(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ValidationFailed(
            source, [f"expected a mapping at the top, found {type(data).__name__}"]
        )
    return data
