"""Files shown by the register (``GET /improvements/ID.yaml``, ``show``) hold their sources'
secrets masked; applied back, each mask that stands for a secret the register holds for that
objective's source keeps that secret (``domain.unmask``). A mask that stands for nothing held is
a problem of the file, listed with the others: the mask is never stored as a secret."""

from __future__ import annotations

from typing import Any

from ci_workflow.domain.redact import MASK
from ci_workflow.domain.unmask import restore_secrets
from ci_workflow.store.register.apply_rows import Current

Documents = list[tuple[str, dict[str, Any]]]


def unmasked(documents: Documents, current: Current) -> tuple[Documents, list[str]]:
    """The documents with their sources' masks replaced by the secrets held, and the problems
    (``file: objectives[0].source.headers.Authorization: ...``) of masks that stand for none."""
    problems: list[str] = []
    restored: Documents = []
    for name, data in documents:
        existing = current.improvements.get(str(data.get("key", "")))
        held = {
            o.metric: o.source
            for o in (current.objectives.get(existing.id, []) if existing is not None else [])
        }
        objectives = data.get("objectives")
        if not isinstance(objectives, list):
            restored.append((name, data))
            continue
        new_objectives = []
        for number, objective in enumerate(objectives):
            source = objective.get("source") if isinstance(objective, dict) else None
            if not isinstance(source, dict):
                new_objectives.append(objective)
                continue
            metric = objective.get("metric")
            stored = held.get(metric) if isinstance(metric, str) else None
            source, left = restore_secrets(source, stored)
            new_objectives.append({**objective, "source": source})
            problems += [
                f"{name}: objectives[{number}].source.{field}: {MASK!r} stands for a secret "
                "this register does not hold for this source; write the secret itself"
                for field in left
            ]
        restored.append((name, {**data, "objectives": new_objectives}))
    return restored, problems
