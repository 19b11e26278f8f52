"""``improve strategy``: apply strategy.yaml, show the strategy, record a key result's value."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, print_json
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.numbers import money, number, percent, quantity
from ci_workflow.errors import UsageError
from ci_workflow.formatting import visible

if TYPE_CHECKING:
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
    """Create, update or retire the strategy's items from FILE; all of them, or nothing.
    Signed in to a workspace (improve login): applied there, as the person signed in."""
    from ci_workflow.cli import remote
    from ci_workflow.schemas_strategy import StrategyApplied
    from ci_workflow.services.register.strategy.apply import apply_strategy_file

    if remote.session() is not None:  # signed in: the workspace applies as that person
        text = file.read_text(encoding="utf-8")
        answer = remote.call("POST", "/api/strategy", {"text": text})
        applied = StrategyApplied.model_validate(answer)
    else:
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
                    + (f", captured from {kr.source}" if kr.source else "")
                )
                if kr.failure:
                    out.print(
                        f"      latest capture failed ({kr.failed_at:%Y-%m-%d %H:%M} UTC): "
                        f"{visible(kr.failure)}",
                        markup=False,
                    )
    for programme in strategy.programmes:
        members = ", ".join(programme.improvements) or "no improvements yet"
        out.print(
            f"programme [bold]{escape(programme.key)}[/bold] {escape(programme.title)} "
            f"({escape(programme.owner)}), budget {money(programme.budget)} {strategy.currency}: "
            f"{escape(members)}"
        )
    for quarter in strategy.capacity:
        out.print(
            f"capacity {quarter.quarter}: {number(quarter.hours)} h, "
            f"budget {money(quarter.budget)} {strategy.currency}"
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


def capture(
    key_result: str | None = typer.Argument(
        None, metavar="[KR]", help="Only this key result, at --at (default: every one due)."
    ),
    at: str | None = typer.Option(None, "--at", help="Evaluate sources as of this time (UTC)."),
    start: str | None = typer.Option(
        None, "--from", help="With KR: backfill checkpoints from this date or time (UTC)..."
    ),
    end: str | None = typer.Option(None, "--to", help="...to this one (default now)."),
    every: str = typer.Option("7d", "--every", help="Step between backfilled checkpoints."),
    as_: str | None = AS,
) -> None:
    """Capture key results from their sources now: every one whose checkpoint is due, or one
    (also over a range of checkpoints: --from, --to, --every)."""
    from ci_workflow.cli.metrics import moment, report_capture
    from ci_workflow.services.measurement import key_results as capturing

    actor = cli_actor(as_)
    if start is None:
        report_capture(
            capturing.capture_key_results(as_of=moment(at, "--at"), key=key_result, actor=actor)
        )
        return
    if key_result is None or at is not None:
        raise UsageError("--from backfills one key result: give KR, and --to rather than --at")
    first, last = moment(start, "--from"), moment(end, "--to")
    assert first is not None
    try:
        from ci_workflow.domain.measures.window import parse_window

        step = parse_window(every)
    except ValueError as error:
        raise UsageError(f"--every: {error}") from None
    report_capture(
        capturing.backfill_key_result(
            key_result, start=first, end=last or utcnow(), every=step, actor=actor
        )
    )


add_commands(app, {"apply": apply, "show": show, "record": record, "capture": capture})
