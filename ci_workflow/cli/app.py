"""Entry point of ``improve``. Prefect is imported only by the commands that talk to it.

``improve CMD ...`` imports only the module that defines CMD (``MODULE_OF``; Click's lazily
loaded subcommands): each command module costs a millisecond or two, and Typer builds the
parameters of every command it knows before it runs one. ``improve``, ``improve --help`` and
anything else build the whole app (``app``); ``tests/cli/test_entry.py`` checks that the two
agree on every command.
"""

from __future__ import annotations

import functools
import importlib
import sys

import typer

# The module that registers each top-level command: with ``register_commands(app)``, or, for a
# group (``people``, ``import``...), as its ``app``.
MODULE_OF = {
    **dict.fromkeys(("init", "apply", "list", "withdraw", "export"), "ci_workflow.cli.register"),
    **dict.fromkeys(("show", "audit"), "ci_workflow.cli.show"),
    **dict.fromkeys(
        (
            "start",
            "gates",
            "approve",
            "reject",
            "rework",
            "resubmit",
            "complete",
            "signoff",
            "extend",
            "status",
            "reconcile",
        ),
        "ci_workflow.cli.lifecycle",
    ),
    **dict.fromkeys(("server", "serve"), "ci_workflow.cli.server"),
    **dict.fromkeys(
        (
            "capture",
            "backfill",
            "confirm-baseline",
            "record",
            "survey",
            "snapshots",
            "progress",
            "sustainment",
        ),
        "ci_workflow.cli.metrics",
    ),
    **dict.fromkeys(("report", "practice-report", "kpis"), "ci_workflow.cli.reports"),
    "lessons": "ci_workflow.cli.lessons",
    **dict.fromkeys(("web", "login", "logout"), "ci_workflow.cli.web"),
    "doctor": "ci_workflow.cli.upkeep.doctor",
    "portfolio": "ci_workflow.cli.strategy.portfolio",
}
GROUP_MODULE_OF = {
    "people": "ci_workflow.cli.people",
    "import": "ci_workflow.cli.intake.imports",
    "opportunities": "ci_workflow.cli.intake.opportunities",
    "ideas": "ci_workflow.cli.intake.ideas",
    "connections": "ci_workflow.cli.intake.connections",
    "strategy": "ci_workflow.cli.strategy.strategy",
    "benefits": "ci_workflow.cli.strategy.benefits",
}


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ci-workflow")
        except PackageNotFoundError:  # run from a checkout that was never installed
            from ci_workflow import __version__ as number
        print(f"improve {number}")
        raise typer.Exit()


def _main(
    _shown: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """ITIL 4 Continual Improvement: the register, its lifecycle, metrics and reports."""


def _new_app() -> typer.Typer:
    new = typer.Typer(
        name="improve",
        help="ITIL 4 Continual Improvement: the register, its lifecycle, metrics and reports.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    new.callback()(_main)
    return new


def _add(target: typer.Typer, name: str) -> None:
    """Register ``name`` (a command, or a group) on ``target``, importing only its module."""
    if name in GROUP_MODULE_OF:
        target.add_typer(importlib.import_module(GROUP_MODULE_OF[name]).app, name=name)
    else:
        importlib.import_module(MODULE_OF[name]).register_commands(target)


@functools.cache
def whole_app() -> typer.Typer:
    """Every command, in the order ``improve --help`` lists them."""
    whole = _new_app()
    for module in dict.fromkeys(MODULE_OF.values()):
        importlib.import_module(module).register_commands(whole)
    for group in GROUP_MODULE_OF:
        _add(whole, group)
    return whole


def app_for(argv: list[str]) -> typer.Typer:
    """The app that runs ``improve *argv``: only the named command's, when the first word names
    one; else the whole app."""
    name = argv[0] if argv else ""
    if name not in MODULE_OF and name not in GROUP_MODULE_OF:
        return whole_app()
    lean = _new_app()
    _add(lean, name)
    # Typer builds the parameters of every command it holds before running one: keep CMD's
    # (the lifecycle's module holds eleven; ≈ 2 ms).
    lean.registered_commands = [c for c in lean.registered_commands if c.name == name]
    return lean


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # tests drive the whole app with Typer's CliRunner
        return whole_app()
    raise AttributeError(name)


def main() -> None:
    app_for(sys.argv[1:])()
