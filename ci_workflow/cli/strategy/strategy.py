"""``improve strategy``: apply strategy.yaml, show the strategy, record a key result's value."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, print_json
from ci_workflow.domain.numbers import money, percent, quantity
from ci_workflow.schemas_strategy import StrategyOut

app = typer.Typer(
    help="The strategy: goals, objectives, key results and programmes.", no_args_is_help=True
)

AS = typer.Option(
    None,
    "--as",
    help="Who acts: a CI manager (or, to record, the key result's owner). Default: this "
    "machine's user, as the register's administrator.",
)


def apply(
    file: Path = typer.Argument(..., help="The strategy YAML file."),
    as_: str | None = AS,
) -> None:
    """Create, update or retire the strategy's items from FILE; all of them, or nothing."""
    from ci_workflow.services.register.strategy.apply import apply_strategy_file

    applied = apply_strategy_file(file, actor=cli_actor(as_))
    out = console()
    for change in applied.changes:
        changed = f" ({', '.join(change.changed)})" if change.changed else ""
        out.print(f"{change.kind} {escape(change.key)}: {change.outcome}{escape(changed)}")
    if applied.version is None:
        out.print("nothing changed; the strategy's version stays as it was")
    else:
        out.print(f"strategy version {applied.version}")


def show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The strategy in force: goals, their objectives and key results, and programmes."""
    from ci_workflow.services.register.strategy.show import show_strategy

    strategy = show_strategy()
    if json_:
        print_json(strategy)
        return
    _print(strategy)


def _print(strategy: StrategyOut) -> None:
    out = console()
    if strategy.version is None:
        out.print("no strategy applied yet: improve strategy apply strategy.yaml")
        return
    out.print(
        f"strategy version {strategy.version}, applied by {escape(strategy.applied_by or '')}"
    )
    for goal in strategy.goals:
        out.print(f"[bold]{escape(goal.key)}[/bold] {escape(goal.title)} ({escape(goal.owner)})")
        for objective in goal.objectives:
            served = ", ".join(objective.served_by) or "nobody serves it yet"
            out.print(f"  {escape(objective.key)} {escape(objective.title)}: {escape(served)}")
            for kr in objective.key_results:
                latest = quantity(kr.latest, kr.unit) if kr.latest is not None else "not measured"
                out.print(
                    f"    {escape(kr.key)} {escape(kr.title)}: {escape(latest)} "
                    f"(baseline {escape(quantity(kr.baseline, kr.unit))}, target "
                    f"{escape(quantity(kr.target, kr.unit))} by {kr.due}; "
                    f"{percent(kr.achieved_pct)} of the way, {kr.track})"
                )
    for programme in strategy.programmes:
        members = ", ".join(programme.improvements) or "no improvements yet"
        out.print(
            f"programme [bold]{escape(programme.key)}[/bold] {escape(programme.title)} "
            f"({escape(programme.owner)}), budget {money(programme.budget)}: {escape(members)}"
        )


def record(
    key_result: str = typer.Argument(..., metavar="KR", help="The key result's key."),
    value: float = typer.Argument(..., help="Its value as measured."),
    at: datetime | None = typer.Option(None, "--at", help="When it was measured (default now)."),
    note: str | None = typer.Option(None, "--note", help="What to know about this value."),
    as_: str | None = AS,
) -> None:
    """Record a key result's value, measured by hand."""
    from ci_workflow.services.register.strategy.key_results import record_key_result

    line = record_key_result(key_result, value, actor=cli_actor(as_), at=at, note=note)
    console().print(escape(line))


add_commands(app, {"apply": apply, "show": show, "record": record})
