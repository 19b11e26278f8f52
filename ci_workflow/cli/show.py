"""One improvement from the terminal: `improve show` (definition, objectives, plan, decisions)
and `improve audit` (who did what to it, when, and why)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from ci_workflow.schemas import ImprovementDetail, PlanActionPublic

from ci_workflow.cli._common import add_commands, console, escape, new_table, print_json
from ci_workflow.formatting import money, quantity, when


def show(
    ref: str = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Everything about one improvement: definition, objectives, plan, decisions."""
    from ci_workflow.services.register import browse

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
        ("estimated effort", _effort(d.estimated_hours)),
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


def _effort(hours: float | None) -> str:
    return "not estimated" if hours is None else quantity(hours, "h")


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
                quantity(o.baseline, unit),
                quantity(o.target, unit),
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
    from ci_workflow.services.register import browse

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


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"show": show, "audit": audit})
