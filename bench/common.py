"""What the benchmarks share: the `improve` command of this environment, a clean environment,
a process's CPU time, and figures taken in pairs with their baseline (``paired``)."""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
_BIN = Path(sys.executable).parent
IMPROVE = (
    [str(_BIN / "improve")]
    if (_BIN / "improve").exists()
    else [sys.executable, "-m", "ci_workflow"]
)


# What every command pays before its own work: Python and the libraries every command loads.
CLI_FLOOR = [sys.executable, "-c", "import sqlmodel, typer"]
# One entry for two checkouts: the code of the one first on PYTHONPATH runs (``BENCH_BEFORE``).
ENTRY = [sys.executable, "-c", "import sys; from ci_workflow.cli.app import main; main()"]


def compiled(*checkouts: Path) -> None:
    """Each checkout's package byte-compiled, as `pip install .` leaves it: with
    PYTHONDONTWRITEBYTECODE (this machine) an uncompiled checkout compiles every module it imports
    again in every process (the libraries are compiled)."""
    for checkout in checkouts:
        compileall.compile_dir(checkout / "ci_workflow", quiet=1)


def clean_env(home: str) -> dict[str, str]:
    """This process's environment without IMPROVE_*/PREFECT_* settings, with its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPROVE_", "PREFECT_"))}
    env["IMPROVE_HOME"] = home
    return env


def cpu_of(args: list[str], env: dict[str, str], cwd: str | None = None) -> float:
    """CPU seconds (user + system) of one run of ``args``, a process of its own: on a shared
    machine its wall time says more about the neighbours than about the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, env=env, cwd=cwd, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


@dataclass
class Paired:
    """Figures of ours and of its baseline taken in pairs, and each pair's ratio ours ÷ baseline."""

    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ours, self.baseline, strict=True)]

    def line(self, what: str, unit: str = "s", digits: int = 2) -> str:
        """``what: median R× its baseline (min, max over N pairs); ours M s, baseline M s``."""
        r = self.ratios
        return (
            f"{what}: median {statistics.median(r):.2f}× its baseline (min {min(r):.2f}, max "
            f"{max(r):.2f}, {len(r)} pairs); ours median {statistics.median(self.ours):.{digits}f}"
            f" {unit}, baseline median {statistics.median(self.baseline):.{digits}f} {unit}"
        )


def paired(
    ours: Callable[[], float], baseline: Callable[[], float], pairs: int, warm_up: bool = True
) -> Paired:
    """``pairs`` pairs, A B then B A in turn (neither always runs on the other's leftovers), after
    a warm-up pair that is not counted: the machine is shared, and a pair sees the same load."""
    found = Paired()
    for pair in range(pairs + (1 if warm_up else 0)):
        if pair % 2:
            b, a = baseline(), ours()
        else:
            a, b = ours(), baseline()
        if pair or not warm_up:
            found.ours.append(a)
            found.baseline.append(b)
    return found
