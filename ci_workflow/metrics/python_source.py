"""``kind: python``: ``module:function(as_of, window_start, window_end, **params) -> float``.

Only modules under the prefixes IMPROVE_PYTHON_SOURCE_MODULES lists may be named (checked when
the improvement is applied, and again here), and they are imported only from the installed
packages (site-packages, the standard library) and the folders IMPROVE_PYTHON_SOURCE_PATH
lists: never from the working directory, the folder of the script that started the process
(Prefect puts a flow's folder, ``flows/``, first on ``sys.path``), or the checkout of an
editable install. A module already imported from elsewhere is refused, not reused.
"""

from __future__ import annotations

import importlib
import site
import sys
import sysconfig
import threading
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType

from ci_workflow.domain.improvement.sources import PythonSource
from ci_workflow.domain.measures.window import Window
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


def _import(name: str) -> ModuleType:
    """``name``, imported from the places Python sources may use, and found there."""
    places = _places()
    top = name.partition(".")[0]
    with _importing:
        saved = sys.path[:]
        sys.path[:] = [entry for entry in saved if _inside(entry, places)]
        sys.path += [str(place) for place in get_settings().python_paths]
        try:
            loaded = sys.modules.get(top)
            spec = loaded.__spec__ if loaded else PathFinder.find_spec(top)
            if spec is None or not _from(spec, places):  # looked for before any code runs
                raise ImportError(_not_there(top))
            module = importlib.import_module(name)
        finally:
            sys.path[:] = saved
    if module.__spec__ is None or not _from(module.__spec__, places):
        raise ImportError(_not_there(name))
    return module


def _places() -> tuple[Path, ...]:
    """The installed packages, the standard library, and IMPROVE_PYTHON_SOURCE_PATH."""
    found = [*site.getsitepackages(), *(sysconfig.get_paths()[k] for k in _INSTALLED)]
    if site.ENABLE_USER_SITE:
        found.append(site.getusersitepackages())
    return (*(Path(p).resolve() for p in found), *get_settings().python_paths)


_INSTALLED = ("stdlib", "platstdlib", "purelib", "platlib")


def _from(spec: ModuleSpec, places: tuple[Path, ...]) -> bool:
    """Whether the module's files lie in ``places`` (a module built into Python does)."""
    if spec.origin in ("built-in", "frozen"):
        return True
    files = [spec.origin] if spec.has_location and spec.origin else []
    files += list(spec.submodule_search_locations or [])  # a namespace package's folders
    return bool(files) and all(_inside(f, places) for f in files)


def _inside(entry: str, places: tuple[Path, ...]) -> bool:
    if not entry or not Path(entry).is_absolute():  # "" and "." are the working directory
        return False
    real = Path(entry).resolve()
    return any(real.is_relative_to(place) for place in places)


def _not_there(name: str) -> str:
    return f"no module {name!r} among the installed packages or IMPROVE_PYTHON_SOURCE_PATH"
