"""``improve import``: bring data from other practices' tools into the register."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ci_workflow.cli._common import add_commands, console, escape

app = typer.Typer(
    help="Import data from other practices (incident management...).", no_args_is_help=True
)


def incidents(
    export: Path = typer.Argument(..., help="The ITSM export: CSV, or CSV.gz."),
    mapping: Path = typer.Option(
        ..., "--mapping", help="YAML mapping of its columns (see examples/mappings)."
    ),
    database: str | None = typer.Option(
        None, "--database", help="Import there instead of the register's store."
    ),
) -> None:
    """Load incident records, inserting new ones and updating known ones (by incident id)."""
    from ci_workflow.services.incidents import import_incidents, load_incident_mapping

    rules = load_incident_mapping(mapping)
    if sys.stdout.isatty():
        from rich.progress import Progress

        with Progress(console=console()) as bar:
            task = bar.add_task(f"reading {export.name}", total=None)
            result = import_incidents(
                export, rules, database_url=database, on_rows=lambda n: bar.advance(task, n)
            )
    else:
        result = import_incidents(export, rules, database_url=database)
    console().print(
        f"{result.imported} incidents imported, {result.updated} updated "
        f"(from {result.rows} rows of {escape(export.name)})"
    )


add_commands(app, {"incidents": incidents})
