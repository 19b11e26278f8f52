"""The register's commands: init, apply, list, show, audit, withdraw, export."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from ci_workflow.schemas import ImprovementDetail, PlanActionPublic

from ci_workflow.cli._common import (
    add_commands,
    cli_actor,
    console,
    escape,
    new_table,
    print_json,
)
from ci_workflow.domain.lifecycle import Status
from ci_workflow.errors import UsageError
from ci_workflow.formatting import money, number, when
from ci_workflow.services.register import browse
from ci_workflow.services.register.browse import SortOrder


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
        for line in remote.call("POST", "/api/apply", {"files": documents})["applied"]:
            console().print(escape(line))
        return
    from ci_workflow.services.register.apply import apply_files

    for result in apply_files(paths, actor=cli_actor(as_)):
        changed = f" ({', '.join(result.changed)})" if result.changed else ""
        console().print(f"{result.id} {result.outcome}: {escape(result.key)}{escape(changed)}")


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
            "—" if r["wsjf"] is None else f"{r['wsjf']:g}",
        )
    console().print(table)
    console().print(f"{len(rows)} improvement{'s' if len(rows) != 1 else ''}")


def show(
    ref: str = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Everything about one improvement: definition, objectives, plan, decisions."""
    d = browse.show_improvement(ref)
    if json_:
        print_json(d)
        return
    console().print(f"[bold]{d.id}[/bold] {escape(d.title)}  [dim]({escape(d.key)})[/dim]")
    for label, value in _facts(d):
        console().print(f"  [bold]{label}:[/bold] {escape(value)}")
    for table in _tables(d):
        console().print(table)


def _facts(d: ImprovementDetail) -> list[tuple[str, str]]:
    facts = [
        ("status", d.status),
        ("type / source", f"{d.type} / {d.source}"),
        ("process / service", f"{d.process} / {d.service or '—'}"),
        ("owner", d.owner),
        ("process owner", d.process_owner),
        ("team", ", ".join(d.team) or "—"),
        ("priority", f"{d.priority} (impact {d.strategic_impact} × feasibility {d.feasibility})"),
        (
            "cost → gain",
            f"{money(d.estimated_cost)} → {money(d.expected_gain)}, value {money(d.value)}",
        ),
        ("actual cost / realised gain", f"{money(d.actual_cost)} / {money(d.realised_gain)}"),
        ("identified / approved", f"{when(d.identified_at)} / {when(d.approved_at)}"),
        ("started / completed", f"{when(d.started_at)} / {when(d.completed_at)}"),
        ("vision", d.vision or "—"),
        ("current state", d.current_state or "—"),
        ("scope", d.scope or "—"),
        ("description", d.description or "—"),
    ]
    if d.lessons_learned:
        facts.append(("lessons learned", d.lessons_learned))
    if d.retired_objectives:
        facts.append(("retired objectives", ", ".join(d.retired_objectives) + " (history kept)"))
    return facts


def _change(a: PlanActionPublic) -> str:
    """The action's change and, once imported, its state: "CHG1 Closed 2026-11-12 (successful)"."""
    if not a.change:
        return "-"
    if a.change_state is None:
        return f"{a.change} (not imported)"
    closed = f" {a.change_closed_at:%Y-%m-%d}" if a.change_closed_at else ""
    code = f" ({a.change_close_code})" if a.change_close_code else ""
    return f"{a.change} {a.change_state}{closed}{code}"


def _tables(d: ImprovementDetail) -> list[Table]:
    """Objectives, plan and gate decisions, each a table when there are any."""
    tables = []
    if d.objectives:
        table = new_table(
            "Metric",
            "Baseline",
            "Target",
            "Direction",
            "Due",
            "Source",
            "KPI",
            title="Objectives",
            wrap=("KPI",),
        )
        for o in d.objectives:
            unit = escape(o.unit)
            table.add_row(
                escape(o.metric),
                f"{number(o.baseline)} {unit}",
                f"{number(o.target)} {unit}",
                o.direction,
                str(o.due),
                str(o.source["kind"]),
                o.kpi_kind,
            )
        tables.append(table)
    if d.plan:
        table = new_table(
            "Action", "Owner", "Due", "Status", "Change", title="Plan", wrap=("Action", "Change")
        )
        for a in d.plan:
            table.add_row(
                escape(a.action), escape(a.owner), when(a.due), a.status, escape(_change(a))
            )
        tables.append(table)
    if d.gate_decisions:
        table = new_table(
            "Gate",
            "Attempt",
            "Decision",
            "By",
            "Via",
            "At",
            "Comment",
            title="Gate decisions",
            wrap=("Comment",),
        )
        for g in d.gate_decisions:
            table.add_row(
                g.gate,
                str(g.attempt),
                g.decision,
                escape(g.by),
                escape(f"{g.channel} ({g.principal})"),
                when(g.at),
                escape(g.comment),
            )
        tables.append(table)
    return tables


def audit(
    ref: str = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The audit trail of one improvement: who did what, when, and why."""
    shown_id, events = browse.audit_trail(ref)
    if json_:
        print_json(events)
        return
    table = new_table(
        "At",
        "Who",
        "Via",
        "What",
        "From",
        "To",
        "Why",
        title=f"Audit trail of {shown_id}",
        wrap=("Why",),
    )
    for e in events:
        via = f"{e.channel} ({e.principal})" if e.channel else ""
        table.add_row(
            when(e.at),
            escape(e.actor),
            escape(via),
            e.action,
            e.from_status or "",
            e.to_status or "",
            escape(e.detail),
        )
    console().print(table)


def withdraw(
    ref: str = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key."),
    as_: str = typer.Option(..., "--as", help="Who withdraws it (name or e-mail)."),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit trail."),
) -> None:
    """Withdraw an improvement (its owner, its process owner, or a CI manager).

    A lifecycle flow run waiting at a gate is cancelled too.
    """
    shown_id, flow_run_id = browse.withdraw(ref, actor=cli_actor(as_), reason=reason)
    console().print(f"{shown_id} withdrawn")
    if flow_run_id:
        from ci_workflow.domain.ids import parse_id
        from ci_workflow.errors import OrchestratorUnavailable
        from ci_workflow.orchestration.reconcile import settle_withdrawn_runs

        try:
            for line, _ in settle_withdrawn_runs(parse_id(shown_id)):
                console().print(line)
        except OrchestratorUnavailable as error:
            console(stderr=True).print(
                f"warning: its flow run {flow_run_id} is not cancelled yet ({escape(str(error))});"
                " the gate watchdog cancels it when Prefect answers, or run this again",
                markup=False,
            )


def export(
    fmt: str = typer.Option(..., "--format", help="csv or json."),
    out: Path | None = typer.Option(
        None, "--out", help="File to write (default: standard output)."
    ),
) -> None:
    """Export the whole register."""
    content = browse.export_register(fmt)
    if out is None:
        typer.echo(content, nl=False)
        return
    _write_atomically(out, content)
    console().print(f"wrote {escape(str(out))}")


def _write_atomically(path: Path, content: str) -> None:
    """Write beside the target and rename over it, so a reader never sees half a file."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"{path}: folder {directory} does not exist")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def register_commands(app: typer.Typer) -> None:
    add_commands(
        app,
        {
            "init": init,
            "apply": apply,
            "list": list_,
            "show": show,
            "audit": audit,
            "withdraw": withdraw,
            "export": export,
        },
    )
