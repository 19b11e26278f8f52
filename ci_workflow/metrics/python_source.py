"""``kind: python``: ``module:function(as_of, window_start, window_end, **params) -> float``.

Only modules under the prefixes IMPROVE_PYTHON_SOURCE_MODULES lists may be named (checked when
the improvement is applied, and again here), and they are imported from the installed packages
only: never from the working directory of the process that captures.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading

from ci_workflow.domain.sources import PythonSource
from ci_workflow.domain.window import Window
from ci_workflow.metrics import MetricError
from ci_workflow.metrics.access import module_allowed
from ci_workflow.settings import get_settings

_importing = threading.Lock()  # sys.path is the process's: one import at a time changes it


def read(source: PythonSource, window: Window) -> float:
    refused = module_allowed(source.function, get_settings().python_modules)
    if refused is not None:
        raise MetricError(refused)
    module_name, _, function_name = source.function.partition(":")
    try:
        function = getattr(_import(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise MetricError(f"cannot load {source.function}: {error}") from None
    try:
        value = function(
            as_of=window.end, window_start=window.start, window_end=window.end, **source.params
        )
    except Exception as error:  # the function is the user's: any failure is a failed capture
        raise MetricError(f"{source.function} failed: {type(error).__name__}: {error}") from None
    return value  # type: ignore[no-any-return]  # checked by measure()


def _import(name: str) -> object:
    """Import without the working directory on the path (``''``, ``.`` or its full name)."""
    here = {"", ".", os.getcwd()}
    with _importing:
        saved = sys.path[:]
        sys.path[:] = [entry for entry in saved if entry not in here]
        try:
            return importlib.import_module(name)
        finally:
            sys.path[:] = saved
