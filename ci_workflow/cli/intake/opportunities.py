"""``improve opportunities``: what the incident data says deserves an improvement."""

from __future__ import annotations

from datetime import datetime

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


SHOWN = 15


def detect(
    start: str | None = typer.Option(None, "--from", help="Start (default: 90 days before --to)."),
    end: str | None = typer.Option(
        None, "--to", help="End (default: when the latest imported incident was opened)."
    ),
    all_: bool = typer.Option(False, "--all", help=f"Every finding, not the {SHOWN} best."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find, rank and record opportunities in the imported incidents (no duplicates on rerun).

    Ranked by expected value: incident-hours a year (elapsed, opened to resolved) the group
    would save at the norm, times the confidence that the signal is real."""
    from ci_workflow.services.intake.detection import detect_opportunities

    found = detect_opportunities(moment(start, "--from"), moment(end, "--to"))
    shown = found.opportunities if all_ else found.opportunities[:SHOWN]
    more = len(found.opportunities) - len(shown)
    if json_:
        print_json(
            {
                "period": _dates(found.period),
                "data": _dates(found.data),
                "completeness": found.completeness,
                "opportunities": [f.model_dump(mode="json") for f in shown],
                "more": more,
                "skipped": found.skipped,
            }
        )
        return
    if found.period:
        data = _dates(found.data)
        console().print(
            f"period {_dates(found.period)['from']} to {_dates(found.period)['to']}; "
            f"incidents imported from {data['from']} to {data['to']}"
        )
    if found.completeness:
        console().print(found.completeness)
    table = new_table(
        "#",
        "Expected (h/yr)",
        "Kind",
        "Finding",
        "Value (incident-h/yr)",
        "Confidence",
        wrap=("Finding",),
    )
    for f in shown:
        table.add_row(
            str(f.number),
            f"{f.score:,.0f}",
            f.kind,
            escape(f.title),
            f"{f.value_hours:,.0f}",
            f"{f.confidence:.0%}",
        )
    console().print(table)
    if more:
        console().print(f"{more} more (--all shows every one)")
    for line in found.skipped:
        console().print(f"skipped: {escape(line)}")


def _dates(span: tuple[datetime, datetime] | None) -> dict[str, str | None]:
    if span is None:
        return {"from": None, "to": None}
    return {"from": f"{span[0]:%Y-%m-%d}", "to": f"{span[1]:%Y-%m-%d}"}


def show(number: int = typer.Argument(...), json_: bool = typer.Option(False, "--json")) -> None:
    """One opportunity with its evidence and the objective it suggests."""
    from ci_workflow.services.intake.detection import show as read

    found = read(number)
    if json_:
        print_json(found)
        return
    console().print(f"[bold]{found.number}[/bold] {escape(found.title)} ({found.status})")
    console().print(
        f"  {found.kind} · {found.group_by} {escape(found.group)} · "
        f"{escape(str(found.evidence.get('ranking', '')))}"
    )
    console().print(f"  evidence: {escape(str(found.evidence))}")
    console().print(f"  suggested objective: {escape(str(found.objective))}")


def accept(
    number: int = typer.Argument(...),
    as_: str = typer.Option(..., "--as", help="Who accepts it; becomes its owner."),
    process: str | None = typer.Option(None, "--process", help="Default: Incident Management."),
) -> None:
    """Register the opportunity as an improvement (identified), written as a YAML file."""
    from ci_workflow.services.intake.triage import accept as register

    shown_id, path = register(number, actor=cli_actor(as_), owner=as_, process=process)
    console().print(f"{shown_id} registered from opportunity {number} ({escape(str(path))})")


def dismiss(
    number: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    as_: str | None = typer.Option(None, "--as"),
) -> None:
    """Dismiss the opportunity; it does not come back for that group and period."""
    from ci_workflow.services.intake.triage import dismiss as drop

    drop(number, reason=reason, actor=cli_actor(as_))
    console().print(f"opportunity {number} dismissed")


add_commands(app, {"detect": detect, "show": show, "accept": accept, "dismiss": dismiss})
