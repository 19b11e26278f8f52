"""YAML parsing that refuses what plain ``yaml.safe_load`` lets slip: repeated keys, dates that
do not exist, and documents that are huge or that aliases blow up (a "billion laughs")."""

from __future__ import annotations

from typing import Any

import yaml

from ci_workflow.errors import ValidationFailed

MAX_BYTES = 1_000_000  # an improvement file is a page of text, not a data dump
MAX_NODES = 100_000  # values in the document once every alias is expanded


# libyaml's parser when PyYAML was built with it (the wheels are): five times faster than the
# pure-Python one, which matters when a folder of a thousand files is applied.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    """A SafeLoader whose mappings reject a key given twice (the second would silently win) and
    name the key of a date that does not exist."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # ``!!map`` on a list or a text
            return super().construct_mapping(node, deep=deep)
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:  # a list or mapping as key: the base class refuses it, with its line
                break
            if repeated:
                raise ValidationFailed(
                    self.name, [f"{_line(key_node)}: key {key!r} appears twice in one mapping"]
                )
            seen.add(key)
            if value_node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    self.construct_object(value_node, deep=deep)
                except ValueError as error:
                    raise ValidationFailed(
                        self.name,
                        [
                            f"{_line(value_node)}: {key}: {value_node.value!r} is not a real date "
                            f"({error})"
                        ],
                    ) from None
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def load_mapping(text: str, *, source: str) -> dict[str, Any]:
    """Parse one YAML document that must be a mapping; errors name ``source`` and the line."""
    if len(text) > MAX_BYTES:
        raise ValidationFailed(
            source, [f"the file is {len(text):,} characters; at most {MAX_BYTES:,} are read"]
        )
    loader = _StrictLoader(text)
    loader.name = source
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValidationFailed(source, [f"{where}{exc.problem or exc}"]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ValidationFailed(source, [f"not valid YAML: {type(exc).__name__}"]) from None
    finally:
        loader.dispose()
    if data is None:
        raise ValidationFailed(source, ["the file is empty"])
    if not isinstance(data, dict):
        raise ValidationFailed(
            source, [f"expected a mapping at the top, found {type(data).__name__}"]
        )
    if _holds_itself(data):
        raise ValidationFailed(
            source,
            ["an alias refers back to a value that holds it (a cycle): write the value out"],
        )
    if _expanded_size(data, MAX_NODES) > MAX_NODES:
        raise ValidationFailed(
            source,
            [f"more than {MAX_NODES:,} values once its aliases are expanded (an alias bomb?)"],
        )
    return data


def _expanded_size(data: Any, budget: int) -> int:
    """How many values ``data`` holds with shared (aliased) parts counted every time they are
    used, counting no further than just past ``budget``."""
    count, stack = 0, [data]
    while stack and count <= budget:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def _holds_itself(data: Any) -> bool:
    """Whether a mapping or list holds itself, through an alias to a value it is inside (``&a``
    on a value and ``*a`` within it): a tree with a cycle, which no rule could walk."""
    inside: set[int] = set()  # the containers on the path from the top to here
    # Containers walked through already: one shared by many aliases is walked once, so a
    # billion-value alias bomb costs its few distinct containers, not its expansion.
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        value, leaving = stack.pop()
        if leaving:
            inside.discard(id(value))
            done.add(id(value))
            continue
        if not isinstance(value, dict | list) or id(value) in done:
            continue
        if id(value) in inside:
            return True
        inside.add(id(value))
        stack.append((value, True))
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, False) for child in children)
    return False
