"""The register's commands: init, apply, list, withdraw, export (show and audit: ``cli.show``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    pass

from ci_workflow.cli._common import (
    add_commands,
    cli_actor,
    console,
    escape,
    new_table,
    print_json,
)
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import SortOrder
from ci_workflow.errors import UsageError
from ci_workflow.formatting import money, number


def init() -> None:
    """Create the register, or upgrade it to this version's schema (safe to repeat)."""
    from ci_workflow.services.register.setup import init_store

    url, before, after = init_store()
    if before == after:
        console().print(f"register at {escape(url)} is up to date (schema {after})")
    else:
        console().print(f"register at {escape(url)} ready (schema {before or 'none'} → {after})")


def apply(
    files: list[Path] = typer.Argument(..., help="Improvement YAML files (or folders of them)."),
    as_: str | None = typer.Option(
        None,
        "--as",
        help="Who applies it: to change an improvement, its owner, its process owner "
        "or a CI manager. Default: this machine's user, as the register's administrator.",
    ),
) -> None:
    """Create or update improvements from YAML files; all of them, or nothing if one is wrong."""
    from ci_workflow.cli import remote

    paths = _expand(files)
    if remote.session() is not None:  # signed in: the workspace applies as that person
        documents = [{"name": str(p), "text": p.read_text(encoding="utf-8")} for p in paths]
        answer = remote.call("POST", "/api/apply", {"files": documents})
        for line in answer["applied"]:
            console().print(escape(line))
        for warning in answer.get("warnings", []):
            console().print(f"warning: {escape(warning)}")
        return
    from ci_workflow.services.register.apply import apply_files

    for result in apply_files(paths, actor=cli_actor(as_)):
        changed = f" ({', '.join(result.changed)})" if result.changed else ""
        console().print(f"{result.id} {result.outcome}: {escape(result.key)}{escape(changed)}")
        for warning in result.warnings:
            console().print(f"warning: {result.id} {escape(warning)}")


def _expand(files: list[Path]) -> list[Path]:
    paths: list[Path] = []
    for path in files:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise UsageError(f"{path}: no .yaml files in this folder")
            paths.extend(found)
        else:
            paths.append(path)
    return paths


def list_(
    status: Status | None = typer.Option(None, "--status", help="Only this status."),
    process: str | None = typer.Option(None, "--process", help="Only this process."),
    sort: SortOrder = typer.Option(SortOrder.priority, "--sort", help="Order of the rows."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the register: by priority (impact × feasibility, then value), WSJF, value or id."""
    from ci_workflow.services.register import browse

    rows = browse.list_improvements(
        status=status.value if status else None, process=process, sort=sort
    )
    if json_:
        print_json(rows)
        return
    table = new_table(
        "ID",
        "Title",
        "Type",
        "Status",
        "Process",
        "Owner",
        "Prio",
        "Value",
        "WSJF",
        wrap=("Title", "Process", "Owner"),
    )
    for r in rows:
        table.add_row(
            r["id"],
            escape(r["title"]),
            r["type"],
            f"{r['status']}, regressed" if r["regressed_at"] else r["status"],
            escape(r["process"]),
            escape(r["owner"]),
            f"{r['priority']} ({r['strategic_impact']}×{r['feasibility']})",
            money(r["value"]),
            number(r["wsjf"]),
        )
    console().print(table)
    console().print(f"{len(rows)} improvement{'s' if len(rows) != 1 else ''}")


def withdraw(
    ref: str = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key."),
    as_: str = typer.Option(..., "--as", help="Who withdraws it (name or e-mail)."),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit trail."),
) -> None:
    """Withdraw an improvement (its owner, its process owner, or a CI manager).

    A lifecycle flow run waiting at a gate is cancelled too.
    """
    from ci_workflow.orchestration.runs import PrefectRuns
    from ci_workflow.services.lifecycle.withdraw import withdraw_improvement

    done = withdraw_improvement(ref, actor=cli_actor(as_), reason=reason, runs=PrefectRuns())
    console().print(f"{done.shown_id} withdrawn")
    for line in done.lines:
        console().print(escape(line))
    if done.run_cancel_pending:
        console(stderr=True).print(
            f"warning: its flow run {done.flow_run_id} is not cancelled yet "
            f"({escape(done.run_cancel_pending)}); the gate watchdog cancels it when Prefect "
            "answers, or run this again",
            markup=False,
        )


def export(
    fmt: str = typer.Option(..., "--format", help="csv or json."),
    out: Path | None = typer.Option(
        None, "--out", help="File to write (default: standard output)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace a file at --out that is not one improve wrote."
    ),
) -> None:
    """Export the whole register."""
    from ci_workflow.services.register import browse
    from ci_workflow.services.reporting.files import save_file

    content = browse.export_register(fmt)
    if out is None:
        typer.echo(content, nl=False)
        return
    written = save_file(
        content, out, improvement_id=None, kind="export", fmt=fmt, force=force, make_folder=False
    )
    console().print(f"wrote {escape(str(written))}")


def register_commands(app: typer.Typer) -> None:
    add_commands(
        app,
        {
            "init": init,
            "apply": apply,
            "list": list_,
            "withdraw": withdraw,
            "export": export,
        },
    )
