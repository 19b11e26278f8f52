"""Reports and KPIs: `improve report`, `improve practice-report`, `improve kpis`."""

from __future__ import annotations

from pathlib import Path

import typer

from ci_workflow.cli._common import add_commands, console, escape, new_table, print_json
from ci_workflow.cli.metrics import moment
from ci_workflow.errors import UsageError

FORCE = typer.Option(
    False, "--force", help="Replace a file at --out that is not a report this register wrote."
)
KPIS = ("success_rate", "average_days_to_implement", "total_roi", "average_roi", "on_time_rate")
ID = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key.")


def report(
    ref: str = ID,
    fmt: str = typer.Option("html", "--format", help="html or md."),
    out: Path | None = typer.Option(None, "--out", help="Default: IMPROVE_HOME/reports/."),
    force: bool = FORCE,
) -> None:
    """The review report of an improvement, at any stage (an interim one before review)."""
    from ci_workflow.services.reports import write_review

    console().print(f"wrote {escape(str(write_review(ref, fmt, out, force=force)))}")


def practice_report(
    start: str | None = typer.Option(None, "--from", help="Start (default: a year before --to)."),
    end: str | None = typer.Option(None, "--to", help="End (default: now)."),
    fmt: str = typer.Option("html", "--format", help="html or md."),
    out: Path | None = typer.Option(None, "--out", help="Default: IMPROVE_HOME/reports/."),
    force: bool = FORCE,
) -> None:
    """The practice report for a period: KPIs and trends, pipeline, closed, overdue, off track."""
    from ci_workflow.services.practice import period, write_practice

    first, last = period(moment(start, "--from"), moment(end, "--to"))
    written = write_practice(first, last, fmt, out, force=force)
    console().print(f"wrote {escape(str(written))}")


def kpis(
    start: str | None = typer.Option(None, "--from", help="Start (default: a year before --to)."),
    end: str | None = typer.Option(None, "--to", help="End (default: now)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The practice's KPIs over the improvements closed in a period."""
    from ci_workflow.formatting import days, percent
    from ci_workflow.services.practice import kpis as compute
    from ci_workflow.services.practice import kpis_public, period

    first, last = period(moment(start, "--from"), moment(end, "--to"))
    if first >= last:
        raise UsageError("--from must be before --to")
    found = kpis_public(compute(first, last), first, last)
    if json_:
        print_json(found)
        return
    table = new_table(
        "KPI", "Value", title=f"Practice KPIs {first:%Y-%m-%d} to {last:%Y-%m-%d}", wrap=("Value",)
    )
    for name in ("closed", "successful"):
        table.add_row(name.replace("_", " "), str(found[name]))
    for name in KPIS:
        figure = found[name]
        if figure["value"] is None:
            shown = f"n/a ({figure['reason']})"
        elif name == "average_days_to_implement":
            shown = days(figure["value"])
        else:  # a share or a return: as people read them, in per cent
            shown = percent(figure["value"] * 100)
        table.add_row(name.replace("_", " "), shown)
    table.add_row(
        "by stage", ", ".join(f"{k} {v}" for k, v in sorted(found["by_stage"].items())) or "—"
    )
    console().print(table)


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"report": report, "practice-report": practice_report, "kpis": kpis})
