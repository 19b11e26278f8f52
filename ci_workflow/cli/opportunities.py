"""``improve opportunities``: what the incident data says deserves an improvement."""

from __future__ import annotations

import typer

from ci_workflow.cli._common import (
    add_commands,
    cli_actor,
    console,
    escape,
    new_table,
    print_json,
)
from ci_workflow.cli.metrics import moment

app = typer.Typer(help="Improvement opportunities found in incident data.", no_args_is_help=True)


def detect(
    start: str | None = typer.Option(None, "--from", help="Start (default: 90 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="End (default: now)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find, rank and record opportunities in the imported incidents (no duplicates on rerun)."""
    from ci_workflow.services.opportunities import detect_opportunities

    found, skipped = detect_opportunities(moment(start, "--from"), moment(end, "--to"))
    if json_:
        print_json(
            {"opportunities": [f.model_dump(mode="json") for f in found], "skipped": skipped}
        )
        return
    table = new_table("#", "Score", "Kind", "Finding", "Value (h/yr)", wrap=("Finding",))
    for f in found:
        table.add_row(
            str(f.number), f"{f.score:g}", f.kind, escape(f.title), f"{f.value_hours:,.0f}"
        )
    console().print(table)
    for line in skipped:
        console().print(f"skipped: {escape(line)}")


def show(number: int = typer.Argument(...), json_: bool = typer.Option(False, "--json")) -> None:
    """One opportunity with its evidence and the objective it suggests."""
    from ci_workflow.services.opportunities import show as read

    found = read(number)
    if json_:
        print_json(found)
        return
    console().print(f"[bold]{found.number}[/bold] {escape(found.title)} ({found.status})")
    console().print(
        f"  {found.kind} · {found.group_by} {escape(found.group)} · score {found.score:g}"
    )
    console().print(f"  evidence: {escape(str(found.evidence))}")
    console().print(f"  suggested objective: {escape(str(found.objective))}")


def accept(
    number: int = typer.Argument(...),
    as_: str = typer.Option(..., "--as", help="Who accepts it; becomes its owner."),
    process: str | None = typer.Option(None, "--process", help="Default: Incident Management."),
) -> None:
    """Register the opportunity as an improvement (identified), written as a YAML file."""
    from ci_workflow.services.triage import accept as register

    shown_id, path = register(number, actor=cli_actor(as_), owner=as_, process=process)
    console().print(f"{shown_id} registered from opportunity {number} ({escape(str(path))})")


def dismiss(
    number: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    as_: str | None = typer.Option(None, "--as"),
) -> None:
    """Dismiss the opportunity; it does not come back for that group and period."""
    from ci_workflow.services.triage import dismiss as drop

    drop(number, reason=reason, actor=cli_actor(as_))
    console().print(f"opportunity {number} dismissed")


add_commands(app, {"detect": detect, "show": show, "accept": accept, "dismiss": dismiss})
