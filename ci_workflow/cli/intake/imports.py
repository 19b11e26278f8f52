"""``improve import``: bring data from other practices' tools into the register."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from ci_workflow.domain.records.change_mapping import ChangeMapping
    from ci_workflow.domain.records.incident_mapping import IncidentMapping

from ci_workflow.cli._common import add_commands, console, escape, new_table, print_json
from ci_workflow.errors import ImproveError, ValidationFailed

app = typer.Typer(
    help="Import data from other practices (incident management...).", no_args_is_help=True
)


def incidents(
    export: Path = typer.Argument(
        ...,
        help="The ITSM export: CSV (any delimiter and encoding the mapping names), .gz or .zip.",
    ),
    mapping: Path = typer.Option(
        ..., "--mapping", help="YAML mapping of its columns (see examples/mappings)."
    ),
    database: str | None = typer.Option(
        None, "--database", help="Import there instead of the register's store."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse the whole file if any row or incident cannot be used."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show how the first rows map; write nothing."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load incident records, inserting new ones and updating known ones (by incident id).

    Rows that cannot be used (no id, a time that does not parse, resolved before opened...) are
    left out and counted by reason."""
    from ci_workflow.services.intake.incident_import import import_incidents, load_incident_mapping

    with _refusals_as_json(json_):
        rules = load_incident_mapping(mapping)
        if dry_run:
            _preview(export, rules, json_)
            return
        busy = (
            console().status(f"reading {escape(export.name)}")
            if sys.stdout.isatty() and not json_
            else None
        )
        with busy or nullcontext():
            result = import_incidents(export, rules, database_url=database, strict=strict)
    if json_:
        print_json(asdict(result))
        return
    console().print(
        f"{result.imported} incidents imported, {result.updated} updated "
        f"(from {result.rows} rows of {escape(export.name)})"
    )
    if result.first_opened and result.last_opened:
        console().print(
            f"opened between {result.first_opened:%Y-%m-%d} and {result.last_opened:%Y-%m-%d}"
        )
    _print_left_out(result.left_out)


@contextmanager
def _refusals_as_json(json_: bool) -> Iterator[None]:
    """Under ``--json`` a refusal is JSON too: the error and each problem (a refused file's
    reasons), with the error's exit code."""
    try:
        yield
    except ImproveError as refused:
        if not json_:
            raise
        problems = refused.problems if isinstance(refused, ValidationFailed) else []
        print_json({"error": str(refused), "problems": problems})
        raise typer.Exit(refused.exit_code) from None


def _preview(export: Path, rules: IncidentMapping, json_: bool) -> None:
    from ci_workflow.services.intake.incident_import import preview

    shown = preview(export, rules)
    if json_:
        print_json(asdict(shown))
        return
    sources = new_table("Field", "From", wrap=("From",))
    for field, source in shown.sources.items():
        sources.add_row(field, escape(source))
    console().print(sources)
    _print_preview("incidents", shown.incidents, shown.rows, shown.left_out)


def _print_preview(
    noun: str, records: list[dict[str, Any]], rows: int, left_out: list[str]
) -> None:
    """The records the first rows make, and what was left out; a dry run writes nothing. One
    field a line under each record's id: a table of every field would be cut to the terminal."""
    for record in records:
        number, *fields = record
        console().print(escape(_cell(record[number])))
        width = max(len(field) for field in fields)
        for field in fields:
            console().print(f"  {field.ljust(width)}  {escape(_cell(record[field]))}")
    console().print(
        f"{len(records)} of the {noun} in the first {rows} rows shown; nothing was written"
    )
    _print_left_out(left_out)


def _print_left_out(lines: list[str]) -> None:
    for line in lines:
        console().print(f"left out: {escape(line)}")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:%Y-%m-%d %H:%M}" if hasattr(value, "strftime") else str(value)


def changes(
    export: Path = typer.Argument(
        ..., help="The change management export: CSV (one row per change), .gz or .zip."
    ),
    mapping: Path = typer.Option(
        ..., "--mapping", help="YAML mapping of its columns (see examples/mappings)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse the whole file if any row cannot be used."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show how the first rows map; write nothing."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load change records, inserting new ones and updating known ones (by change id): plan
    actions' changes then show their state, and the execution gate warns of open or failed ones.

    Rows that cannot be used (no id, a time that does not parse...) are left out and counted by
    reason."""
    from ci_workflow.services.intake.change_import import import_changes, load_change_mapping

    with _refusals_as_json(json_):
        rules = load_change_mapping(mapping)
        if dry_run:
            _preview_changes(export, rules, json_)
            return
        result = import_changes(export, rules, strict=strict)
    if json_:
        print_json(asdict(result))
        return
    console().print(
        f"{result.imported} changes imported, {result.updated} updated "
        f"(from {result.rows} rows of {escape(export.name)})"
    )
    _print_left_out(result.left_out)


def _preview_changes(export: Path, rules: ChangeMapping, json_: bool) -> None:
    from ci_workflow.services.intake.change_import import preview

    shown = preview(export, rules)
    if json_:
        print_json(asdict(shown))
        return
    _print_preview("changes", shown.changes, shown.rows, shown.left_out)


def _records(
    records: str,
    noun: str,
    export: Path,
    mapping: Path | None,
    strict: bool,
    dry_run: bool,
    json_: bool,
) -> None:
    from ci_workflow.services.intake.record_import import (
        import_records,
        load_record_mapping,
        preview,
    )

    with _refusals_as_json(json_):
        rules = load_record_mapping(records, mapping)
        if dry_run:
            shown = preview(export, rules)
            if json_:
                print_json(asdict(shown))
                return
            _print_preview(noun, shown.records, shown.rows, shown.left_out)
            return
        result = import_records(export, rules, strict=strict)
    if json_:
        print_json(asdict(result))
        return
    console().print(
        f"{result.imported} {noun} imported, {result.updated} updated "
        f"(from {result.rows} rows of {escape(export.name)})"
    )
    _print_left_out(result.left_out)


RECORD_MAPPING = "YAML mapping of its columns (default: ServiceNow's own field names)."


def problems(
    export: Path = typer.Argument(
        ..., help="The problem management export: CSV (one row per problem), .gz or .zip."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help=RECORD_MAPPING),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse the whole file if any row cannot be used."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show how the first rows map; write nothing."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load problem records, inserting new ones and updating known ones (by problem id): the
    detectors then find known errors still causing incidents and problems left without a fix.

    Rows that cannot be used (no id, a time that does not parse...) are left out and counted by
    reason."""
    _records("problems", "problems", export, mapping, strict, dry_run, json_)


def slas(
    export: Path = typer.Argument(
        ..., help="The SLA export (ServiceNow's task_sla): CSV, one row per SLA, .gz or .zip."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help=RECORD_MAPPING),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse the whole file if any row cannot be used."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show how the first rows map; write nothing."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load SLA records (each SLA attached to an incident), inserting new ones and updating
    known ones (by their id, or by task, definition and start time): the detectors then find
    SLA definitions breached well above the others.

    Rows that cannot be used (no task, a time that does not parse...) are left out and counted
    by reason."""
    _records("slas", "SLAs", export, mapping, strict, dry_run, json_)


add_commands(app, {"incidents": incidents, "changes": changes, "problems": problems, "slas": slas})
