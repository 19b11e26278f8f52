"""``improve ideas``: anyone registered submits an improvement idea."""

from __future__ import annotations

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, print_json

app = typer.Typer(help="Ideas for improvement, from anyone registered.", no_args_is_help=True)


def submit(
    title: str = typer.Argument(..., help="The idea in a line (at most 200 characters)."),
    description: str = typer.Option("", "--description", help="What and why (at most 4,000)."),
    as_: str = typer.Option(..., "--as", help="Who submits it (a registered person)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Submit an idea: it waits among the opportunities for a CI manager or process owner, and
    you are told when it is accepted or dismissed."""
    from ci_workflow.services.intake.ideas import submit as send

    idea = send(title, description, actor=cli_actor(as_))
    if json_:
        print_json(idea)
        return
    console().print(f"idea {idea.number} submitted: {escape(idea.title)}")


add_commands(app, {"submit": submit})
