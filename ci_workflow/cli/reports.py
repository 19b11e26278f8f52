"""Reports and KPIs: `improve report`, `improve practice-report`, `improve kpis`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ci_workflow.cli._common import add_commands, console, escape, new_table, print_json
from ci_workflow.cli.metrics import moment
from ci_workflow.errors import UsageError

FORCE = typer.Option(
    False, "--force", help="Replace a file at --out that is not a report this register wrote."
)
KPIS = ("success_rate", "average_days_to_implement", "total_roi", "average_roi", "on_time_rate")
ID = typer.Argument(..., metavar="ID", help="IMP-0001, 1, or the file's key.")
GROUPINGS = ("process", "service")


def report(
    ref: str = ID,
    fmt: str = typer.Option("html", "--format", help="html or md."),
    out: Path | None = typer.Option(None, "--out", help="Default: IMPROVE_HOME/reports/."),
    force: bool = FORCE,
) -> None:
    """The review report of an improvement, at any stage (an interim one before review)."""
    from ci_workflow.services.reporting.review import write_review

    console().print(f"wrote {escape(str(write_review(ref, fmt, out, force=force)))}")


def practice_report(
    start: str | None = typer.Option(None, "--from", help="Start (default: a year before --to)."),
    end: str | None = typer.Option(None, "--to", help="End (default: now)."),
    fmt: str = typer.Option("html", "--format", help="html or md."),
    out: Path | None = typer.Option(None, "--out", help="Default: IMPROVE_HOME/reports/."),
    force: bool = FORCE,
    stall_days: float | None = typer.Option(
        None, "--stall-days", min=1, max=3650, help="Stalled after this many days (default 30)."
    ),
) -> None:
    """The practice report for a period: the KPIs and their trend, gate waits, stages, stalls,
    sources, pipeline, closed, overdue, off track. Bottlenecks are recorded as opportunities."""
    from ci_workflow.services.register.strategy.portfolio import portfolio
    from ci_workflow.services.reporting.practice import period, write_practice

    first, last = period(moment(start, "--from"), moment(end, "--to"))
    written = write_practice(
        first, last, fmt, out, force=force, stall_days=stall_days, portfolio=portfolio()
    )
    console().print(f"wrote {escape(str(written))}")


def kpis(
    start: str | None = typer.Option(None, "--from", help="Start (default: a year before --to)."),
    end: str | None = typer.Option(None, "--to", help="End (default: now)."),
    by: str | None = typer.Option(
        None, "--by", help="process or service: the ten KPIs of each, not only overall."
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON (every grouping)."),
) -> None:
    """The practice's KPIs over the improvements closed in a period: the summary, and the ten
    KPIs overall (or per process or service) with their formulas."""
    from ci_workflow.services.reporting.practice import all_kpis, period

    if by is not None and by not in GROUPINGS:
        raise UsageError(f"unknown grouping {by!r}; choose process or service")
    first, last = period(moment(start, "--from"), moment(end, "--to"))
    if first >= last:
        raise UsageError("--from must be before --to")
    found = all_kpis(first, last)
    if json_:
        print_json(found)
        return
    _summary(found, f"Practice KPIs {first:%Y-%m-%d} to {last:%Y-%m-%d}")
    ten = found["kpis"]
    if by is None:
        _ten(ten["overall"], f"The ten KPIs over the {found['closed']} improvements closed")
        return
    for group in ten[f"by_{by}"]:
        name = group[by] if group[by] is not None else f"no {by}"
        _ten(group["kpis"], f"The ten KPIs, {by} {name} ({group['closed']} closed)")
    if not ten[f"by_{by}"]:
        console().print("No improvement closed in the period.")


def _summary(found: dict[str, Any], title: str) -> None:
    from ci_workflow.formatting import days, percent
    from ci_workflow.reports.rendering import unknowns

    table = new_table("KPI", "Value", title=title, wrap=("Value",))
    na = unknowns([found[name] for name in KPIS])
    for name in ("closed", "successful"):
        table.add_row(name.replace("_", " "), str(found[name]))
    for name in KPIS:
        figure = found[name]
        if figure["value"] is None:
            shown = na.cell(figure)
        elif name == "average_days_to_implement":
            shown = days(figure["value"])
        else:  # a share or a return: as people read them, in per cent
            shown = percent(figure["value"] * 100)
        table.add_row(name.replace("_", " "), shown)
    table.add_row(
        "by stage", ", ".join(f"{k} {v}" for k, v in sorted(found["by_stage"].items())) or "—"
    )
    table.caption = escape(na.note) or None  # each reason once, under the table
    console().print(table)


def _ten(kpis: dict[str, Any], title: str) -> None:
    from ci_workflow.reports.practice import kpi_text
    from ci_workflow.reports.rendering import unknowns

    table = new_table(
        "KPI", "Formula", "Value", "Improvements", title=escape(title), wrap=("Formula", "Value")
    )
    na = unknowns(kpis)
    for key, kpi in kpis.items():
        shown = na.cell(kpi) if kpi["value"] is None else kpi_text(key, kpi)
        table.add_row(kpi["name"], kpi["formula"], escape(shown), str(kpi["count"]))
    table.caption = escape(na.note) or None  # each reason once, under the table
    console().print(table)


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"report": report, "practice-report": practice_report, "kpis": kpis})
