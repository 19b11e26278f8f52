"""Where the files that ship beside the code are: in the wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """``templates``, ``migrations``, ``flows`` or ``prefect.yaml``: the copy shipped in the
    wheel under ``_resources`` first, then the one at the top of a checkout."""
    packaged = _PACKAGE / "_resources" / name
    return packaged if packaged.exists() else _PACKAGE.parent / name
