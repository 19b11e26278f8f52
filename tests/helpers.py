"""Factories and a CLI driver shared by the tests."""

from __future__ import annotations

import copy
import functools
import json
import logging
from pathlib import Path
from typing import Any
from unittest import mock

import typer.main
import typer.testing
import yaml
from click.testing import Result
from typer.testing import CliRunner

from ci_workflow.cli.app import app_for


class Cli:
    """Runs ``improve`` in-process, as a user would type it: through the app the entry point
    builds for those words (the named command's alone)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def run(self, *args: str) -> Result:
        _log_to_this_stderr()
        app = _app_named(args[0] if args else "")
        with mock.patch.object(typer.testing, "_get_command", _command_tree):
            return self.runner.invoke(app, list(args), catch_exceptions=False)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, f"improve {' '.join(args)} failed:\n{result.output}"
        return result

    def fails(self, *args: str, code: int = 1) -> list[str]:
        """Run a command that must fail; return its stderr lines."""
        result = self.run(*args)
        assert result.exit_code == code, (
            f"expected exit {code}, got {result.exit_code}:\n{result.output}"
        )
        assert "Traceback" not in result.output, result.output
        return result.stderr.strip().splitlines()

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)


# The entry point builds the app for a command's first word, and Typer its command tree (every
# parameter of each command) on each invoke: the installed `improve` does both once a process,
# and so does this driver (building them for every call was a fifth of the suite's time).
_app_named = functools.cache(lambda word: app_for([word] if word else []))
_command_tree = functools.cache(typer.main.get_command)


def _log_to_this_stderr() -> None:
    """A log handler made while an earlier test ran (Prefect's console handler, set up when a
    command first imports Prefect) may write to that test's captured stderr, closed since:
    logging's "--- Logging error ---" traceback then lands in the next command's output. Such
    handlers are dropped, so records go where a fresh process sends them (its stderr)."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in list(getattr(logger, "handlers", ())):
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and getattr(stream, "closed", False):
                logger.removeHandler(handler)  # type: ignore[union-attr]


def improvement_doc(**overrides: Any) -> dict[str, Any]:
    """A valid improvement file as a mapping; keyword arguments replace top-level fields."""
    doc: dict[str, Any] = {
        "key": "network-mttr",
        "title": "Cut the time to restore network incidents",
        "type": "incremental",
        "source": "incident_trend",
        "process": "Incident Management",
        "service": "Corporate Network",
        "vision": "Network incidents restored the same day.",
        "owner": "Lena Fischer",
        "team": ["Lena Fischer", "Priya Nair"],
        "strategic_impact": 4,
        "feasibility": 3,
        "estimated_cost": 12000,
        "expected_gain": 45000,
        "identified": "2026-11-02",
        "objectives": [objective_doc()],
        "plan": [{"action": "Add a routing rule", "owner": "Priya Nair", "due": "2026-12-15"}],
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def objective_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "metric": "mttr_hours",
        "description": "Mean time to restore",
        "unit": "h",
        "window": "30d",
        "source": {"kind": "manual"},
        "baseline": 9.5,
        "target": 6,
        "direction": "decrease",
        "due": "2027-03-31",
        "kpi_kind": "service_performance",
    }
    doc.update(overrides)
    return doc


def write_yaml(folder: Path, doc: dict[str, Any], name: str | None = None) -> Path:
    path = folder / (name or f"{doc.get('key', 'improvement')}.yaml")
    # Dates are written as YAML dates (unquoted), as a person would type them.
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    path.write_text(_unquote_dates(text), encoding="utf-8")
    return path


def _unquote_dates(text: str) -> str:
    import re

    return re.sub(r"'(\d{4}-\d{2}-\d{2})'", r"\1", text)


def move_to(status: str, ref: str = "IMP-0001") -> None:
    """Walk an improvement through the model to ``status``, as the lifecycle flow would, from
    where it is."""
    from ci_workflow.domain.stages.lifecycle import Status
    from ci_workflow.store.db import transaction
    from ci_workflow.store.register.improvements import change_status, get_improvement

    order = [
        Status.defined,
        Status.planned,
        Status.awaiting_approval,
        Status.approved,
        Status.executing,
        Status.in_review,
        Status.consolidating,
        Status.closed,
    ]
    with transaction() as session:
        improvement = get_improvement(session, ref)
        here = order.index(Status(improvement.status)) + 1 if improvement.status in order else 0
        for step in order[here : order.index(Status(status)) + 1]:
            change_status(session, improvement, step, actor="test", reason="test")
