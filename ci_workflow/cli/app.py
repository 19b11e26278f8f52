"""Entry point of ``improve``. Prefect is imported only by the commands that talk to it."""

from __future__ import annotations

import typer

from ci_workflow.cli import (
    lessons,
    lifecycle,
    metrics,
    people,
    register,
    reports,
    server,
    show,
    web,
)
from ci_workflow.cli.intake import connections, ideas, imports, opportunities
from ci_workflow.cli.strategy import benefits, portfolio, strategy
from ci_workflow.cli.upkeep import doctor

app = typer.Typer(
    name="improve",
    help="ITIL 4 Continual Improvement: the register, its lifecycle, metrics and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ci-workflow")
        except PackageNotFoundError:  # run from a checkout that was never installed
            from ci_workflow import __version__ as number
        print(f"improve {number}")
        raise typer.Exit()


@app.callback()
def _main(
    _shown: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """ITIL 4 Continual Improvement: the register, its lifecycle, metrics and reports."""


register.register_commands(app)
show.register_commands(app)
lifecycle.register_commands(app)
server.register_commands(app)
metrics.register_commands(app)
reports.register_commands(app)
lessons.register_commands(app)
web.register_commands(app)
doctor.register_commands(app)
portfolio.register_commands(app)
app.add_typer(people.app, name="people")
app.add_typer(imports.app, name="import")
app.add_typer(opportunities.app, name="opportunities")
app.add_typer(ideas.app, name="ideas")
app.add_typer(connections.app, name="connections")
app.add_typer(strategy.app, name="strategy")
app.add_typer(benefits.app, name="benefits")


def main() -> None:
    app()
