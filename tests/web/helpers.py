"""Improvements for the web tests, made as a user would (a file applied), and brought to a gate
the way the lifecycle flow does (its stage functions, without Prefect)."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path
from typing import Any

from ci_workflow.services.lifecycle.gate_opening import open_gate
from ci_workflow.services.lifecycle.stages import define_stage
from ci_workflow.services.register.browse import show_improvement
from tests.helpers import Cli, improvement_doc, write_yaml
from tests.web.conftest import Workspace

_numbers = itertools.count(1)


def new_improvement(space: Workspace, folder: Path, **fields: Any) -> str:
    """A fresh improvement owned by Lena Fischer (team: Lena, Priya) in Incident Management."""
    generated = f"web-{next(_numbers)}-{folder.name[-8:].lower().replace('_', '-')}".strip("-")
    key = fields.pop("key", generated)
    doc = improvement_doc(key=key, **fields)
    Cli().ok("apply", str(write_yaml(folder, doc)))  # in this process: the register is shared
    return show_improvement(key).id


def waiting_at_plan_approval(space: Workspace, folder: Path, **fields: Any) -> str:
    shown = new_improvement(space, folder, **fields)
    number = int(shown.split("-")[1])
    run = str(uuid.uuid4())  # no such run on any Prefect server: a decision goes no further
    define_stage(number, run)
    open_gate(number, "plan_approval", 1, run)
    return shown
