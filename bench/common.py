"""What the benchmarks share: the `improve` command of this environment, a clean environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
_BIN = Path(sys.executable).parent
IMPROVE = (
    [str(_BIN / "improve")]
    if (_BIN / "improve").exists()
    else [sys.executable, "-m", "ci_workflow"]
)


def clean_env(home: str) -> dict[str, str]:
    """This process's environment without IMPROVE_*/PREFECT_* settings, with its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
    env["IMPROVE_HOME"] = home
    return env
