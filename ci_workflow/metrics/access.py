"""What a metric source may reach: files inside the data roots (a symlink may not lead out of
them), Python modules the administrator named, and no more bytes than the cap. Checked when an
improvement is applied, and again each time the source is read."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

from ci_workflow.errors import MetricError


def readable_file(path: str, roots: Sequence[Path], max_bytes: int) -> Path:
    """The regular file a source may read, by its real path. ``roots`` empty: the path must be
    real already (it was resolved inside its roots when applied; a link put there since is not
    followed). Errors name the file, never its content."""
    given = Path(path)
    try:
        real = given.resolve(strict=True)
        facts = real.stat()
    except FileNotFoundError:
        raise MetricError(f"{given.name}: no such file") from None
    except OSError as error:
        raise MetricError(f"{given.name}: cannot read ({error.strerror})") from None
    if roots and not any(real.is_relative_to(root) for root in roots):
        raise MetricError(f"{given.name}: outside the folders sources may read (data roots)")
    if not roots and real != given.absolute():
        raise MetricError(f"{given.name}: a link to somewhere else; give the file itself")
    if not stat.S_ISREG(facts.st_mode):
        raise MetricError(f"{given.name}: not a regular file")
    if facts.st_size > max_bytes:
        raise MetricError(
            f"{given.name}: {facts.st_size:,} bytes, more than the {max_bytes:,} allowed"
        )
    return real


def module_allowed(function: str, prefixes: Sequence[str]) -> str | None:
    """Why a Python source may not name ``module:function``, or None if it may."""
    module = function.partition(":")[0]
    if any(module == p or module.startswith(p + ".") for p in prefixes):
        return None
    listed = ", ".join(prefixes) or "none are"
    return (
        f"module {module!r} is not among the modules Python sources may use "
        f"(IMPROVE_PYTHON_SOURCE_MODULES: {listed})"
    )
