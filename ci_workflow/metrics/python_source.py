"""``kind: python``: ``module:function(as_of, window_start, window_end, **params) -> float``."""

from __future__ import annotations

import importlib

from ci_workflow.domain.sources import PythonSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError


def read(source: PythonSource, window: Window) -> float:
    module_name, _, function_name = source.function.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise MetricError(f"cannot load {source.function}: {error}") from None
    try:
        value = function(
            as_of=window.end,
            window_start=window.start,
            window_end=window.end,
            **source.params,
        )
    except Exception as error:  # the function is the user's: any failure is a failed capture
        raise MetricError(f"{source.function} failed: {type(error).__name__}: {error}") from None
    return value  # type: ignore[no-any-return]  # checked by measure()
