"""What `improve doctor` says about an installation: one result per check (OK, WARN or FAIL,
what was checked, what to do), and the rules that grade what it found."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ci_workflow.domain.stages.gate_warnings import Failing, day

Status = Literal["OK", "WARN", "FAIL"]


@dataclass(frozen=True)
class Check:
    """One thing checked: its area (register, prefect, smtp, workspace, sources), what was
    checked and found, and for a WARN or FAIL what to do (a command or a setting)."""

    status: Status
    area: str
    text: str
    fix: str = ""

    def line(self) -> str:
        """``FAIL  prefect: ... → what to do``, the way the command prints it."""
        fix = f" → {self.fix}" if self.fix and self.status != "OK" else ""
        return f"{self.status:<4}  {self.area}: {self.text}{fix}"


def exit_code(checks: Iterable[Check]) -> int:
    """1 when any check failed, else 0: a warning alone does not fail the command."""
    return 1 if any(c.status == "FAIL" for c in checks) else 0


def loose_mode(mode: int) -> bool:
    """Whether anyone but the owner may read, write or enter a file or folder of this mode.
    A shared folder (sticky, like /tmp) is not the register's to judge."""
    if mode & stat.S_ISVTX:
        return False
    return bool(stat.S_IMODE(mode) & 0o077)


def failing_source(shown_id: str, metric: str, kind: str, why: Failing) -> Check:
    """A source whose latest captures failed warns: the register works, but the objective's
    measurements are missing since the first of those failures."""
    count = "once" if why.count == 1 else f"{why.count} times"
    return Check(
        "WARN",
        "sources",
        f"{shown_id} {metric}: the {kind} source failed {count} in a row since {day(why.since)}, "
        f"last error: {why.last_error}",
        f"`improve snapshots {shown_id}` lists every capture; correct the source in the "
        f"improvement file, `improve apply` it, then `improve capture --improvement {shown_id}`",
    )


def schema_check(where: str, found: str | None, head: str) -> Check:
    """The register's schema revision against the one this version needs: at head is OK; never
    initialised or behind is a FAIL that `improve init` mends; ahead (a newer version wrote it)
    is a FAIL that only a newer `improve` mends. Revisions are numbered (``0019``)."""
    if found == head:
        return Check("OK", "register", f"{where} reachable, schema at head ({head})")
    if found is None:
        return Check("FAIL", "register", f"{where} is not initialised", "run `improve init`")
    if found.isdigit() and head.isdigit() and int(found) < int(head):
        return Check(
            "FAIL",
            "register",
            f"{where}: schema at {found}, this version needs {head}",
            "run `improve init` (it upgrades the schema; back up the register first)",
        )
    return Check(
        "FAIL",
        "register",
        f"{where}: schema at {found}, unknown to this version (needs {head})",
        "a newer improve wrote it: run that version, or restore a backup made by this one",
    )
