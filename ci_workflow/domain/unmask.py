"""A file shown by the register holds its sources' secrets masked (``redact.redact_source``);
applied back, each mask stands for the secret the register holds, and that secret is kept.

A mask is taken for the stored secret only where nothing it is sent with changed: a database
URL shown as it is held; an HTTP source's headers and parameters only while its URL is the one
held (else a changed address would receive the kept token); a Python source's parameters only
when its function and every parameter are as shown. A mask that stands for nothing held (a new
objective, a source of another kind, a changed address, another register) is a problem: the file
must give the secret itself, never store the mask.
"""

from __future__ import annotations

from typing import Any

from ci_workflow.domain.redact import MASK, redact_url, redact_value

# The parts of a source that redaction masks.
SECRET_FIELDS = ("url", "database", "headers", "params")


def restore_secrets(
    given: dict[str, Any], stored: dict[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """``given``: a source as a file gives it; ``stored``: the source the register holds for the
    same objective (None: none). The source with the masks that stand for stored secrets
    replaced by them, and the fields (``headers.Authorization``) where a mask stands for none."""
    if stored is None or given.get("kind") != stored.get("kind"):
        return given, _masks_left(given, {})
    restored = dict(given)
    for field in ("url", "database"):
        shown, held = given.get(field), stored.get(field)
        if isinstance(shown, str) and isinstance(held, str) and shown == redact_url(held):
            restored[field] = held
    kind = stored.get("kind")
    if kind == "http" and restored.get("url") == stored.get("url"):
        for field in ("headers", "params"):
            shown, held = given.get(field), stored.get(field)
            if isinstance(shown, dict) and isinstance(held, dict):
                restored[field] = {
                    k: held[k] if v == MASK and k in held else v for k, v in shown.items()
                }
    if (
        kind == "python"
        and given.get("function") == stored.get("function")
        and isinstance(stored.get("params"), dict)
        and given.get("params") == redact_value(stored["params"])
    ):
        restored["params"] = stored["params"]
    return restored, _masks_left(restored, stored)


def _masks_left(source: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    return [
        path
        for field in SECRET_FIELDS
        if field in source
        for path in _masks(source[field], stored.get(field), field)
    ]


def _masks(value: Any, held: Any, path: str) -> list[str]:
    """Where ``value`` holds a mask that is not what the register holds there already."""
    if value == held:
        return []
    if isinstance(value, dict):
        inner = held if isinstance(held, dict) else {}
        return [p for k, v in value.items() for p in _masks(v, inner.get(k), f"{path}.{k}")]
    if isinstance(value, list):
        inner_list = held if isinstance(held, list) else []
        return [
            p
            for i, v in enumerate(value)
            for p in _masks(v, inner_list[i] if i < len(inner_list) else None, f"{path}[{i}]")
        ]
    return [path] if isinstance(value, str) and MASK in value else []
