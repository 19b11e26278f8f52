"""``improve lessons``: what closed improvements taught, searched by words, process or service."""

from __future__ import annotations

import typer

from ci_workflow.cli._common import add_commands, console, escape, print_json


def lessons(
    query: str | None = typer.Argument(
        None,
        metavar="QUERY",
        help="Words to look for in the lessons, titles, visions and plans (any of them).",
    ),
    process: str | None = typer.Option(None, "--process", help="Only this process."),
    service: str | None = typer.Option(None, "--service", help="Only this service."),
    limit: int = typer.Option(10, "--limit", min=1, max=100, help="At most this many."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The closed improvements whose lessons and texts best match QUERY, with their results;
    without QUERY, the most recent lessons."""
    from ci_workflow.formatting import when
    from ci_workflow.services.reporting.lessons import search_lessons

    closed, found = search_lessons(query, process=process, service=service, limit=limit)
    if json_:
        print_json(found)
        return
    out = console()
    if not found:
        out.print(escape(_nothing(closed, query, process, service)))
        return
    for s in found:
        where = " · ".join(escape(part) for part in (s.process, s.service) if part)
        out.print(f"[bold]{s.id}[/bold] {escape(s.title)}  ({where}; closed {when(s.closed_at)})")
        out.print(f"  result: {escape(s.outcome)}")
        out.print(f"  lessons: {escape(s.lessons or '—')}")
        out.print(f"  why: {escape(s.why)}\n")


def _nothing(closed: int, query: str | None, process: str | None, service: str | None) -> str:
    scope = "".join(
        f" {kind} {name!r}"
        for kind, name in (("of process", process), ("of service", service))
        if name
    )
    if not closed:
        return f"no closed improvements{scope} yet: their lessons are kept when they are signed off"
    if query and query.strip():
        return f"none of the {closed} closed improvements{scope} matches {query!r}"
    return f"none of the {closed} closed improvements{scope} has lessons recorded"


def register_commands(app: typer.Typer) -> None:
    add_commands(app, {"lessons": lessons})
