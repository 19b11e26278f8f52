"""``improve benefits``: an improvement's benefit lines, forecast against actual per quarter;
record an actual; validate or reject one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import add_commands, cli_actor, console, escape, print_json
from ci_workflow.domain.numbers import money
from ci_workflow.domain.numbers import share as share_of

if TYPE_CHECKING:
    from ci_workflow.schemas_benefits import ImprovementBenefits, PortfolioBenefits

app = typer.Typer(
    help="Benefits over time: forecast, actuals recorded or measured, their validation.",
    no_args_is_help=True,
)
IMP = typer.Argument(..., metavar="IMP", help="The improvement: IMP-0001 or its file's key.")
LINE = typer.Argument(..., metavar="LINE", help="The benefit line's key, as its file names it.")
QUARTER = typer.Argument(..., metavar="QUARTER", help="The quarter, e.g. 2027Q1.")


def show(improvement: str = IMP, json_: bool = typer.Option(False, "--json")) -> None:
    """Each benefit line per quarter: forecast, actual, validated or not."""
    from ci_workflow.services.register.strategy.benefit_views import show_benefits

    found = show_benefits(improvement)
    if json_:
        print_json(found)
        return
    _print(found)


def _print(found: ImprovementBenefits) -> None:
    out = console()
    if not found.lines:
        out.print(f"{found.id} has no benefit lines (benefits: in its file)")
        return
    for line in found.lines:
        how = "recurring" if line.recurring else "one-off"
        measured = f", measured from {line.measured_from}" if line.measured_from else ""
        what = f"{line.kind} ({how}, {line.currency}{measured})"
        out.print(f"[bold]{escape(line.key)}[/bold] {escape(what)}")
        for c in line.cells:
            forecast = money(c.forecast) if c.forecast is not None else "—"
            actual = f"{money(c.actual)} {c.state} ({c.source})" if c.actual is not None else "—"
            why = f": {c.reason}" if c.reason else ""
            out.print(f"  {c.quarter}: forecast {forecast}, actual {escape(actual + why)}")
    out.print(
        f"total in {found.currency}: forecast {money(found.forecast)}, validated "
        f"{money(found.validated)}, waiting for validation {money(found.waiting)}"
    )


def record(
    improvement: str = IMP,
    line: str = LINE,
    quarter: str = QUARTER,
    amount: float = typer.Argument(..., help="The actual, in the line's currency (0 or more)."),
    note: str | None = typer.Option(None, "--note", help="Where the figure comes from."),
    as_: str | None = typer.Option(
        None, "--as", help="Who records: the improvement's owner or team, or a CI manager."
    ),
) -> None:
    """Record a benefit line's actual for a quarter (again: it waits for validation anew)."""
    from ci_workflow.services.register.strategy.benefits import record_benefit

    said = record_benefit(improvement, line, quarter, amount, actor=cli_actor(as_), note=note)
    console().print(escape(said))


def validate(
    improvement: str = IMP,
    line: str = LINE,
    quarter: str = QUARTER,
    reject: str | None = typer.Option(None, "--reject", help="Reject it, for this reason."),
    as_: str | None = typer.Option(
        None,
        "--as",
        help="Who validates: finance (of the improvement's programme, or unscoped) or a CI "
        "manager; never who recorded it.",
    ),
) -> None:
    """Validate a benefit line's actual for a quarter, or reject it (--reject REASON)."""
    from ci_workflow.services.register.strategy.benefits import validate_benefit

    said = validate_benefit(improvement, line, quarter, actor=cli_actor(as_), reject=reject)
    console().print(escape(said))


add_commands(app, {"show": show, "record": record, "validate": validate})


def print_portfolio_benefits(found: PortfolioBenefits) -> None:
    """``improve portfolio``'s benefits: forecast against validated actual per objective (split
    evenly between the objectives an improvement serves) and per programme against its budget."""
    out, c = console(), found.currency
    out.print(
        f"[bold]benefits[/bold] in {c}, forecast vs validated actual ({escape(found.split_rule)})"
    )
    for o in found.objectives:
        waiting = f", {money(o.waiting)} waiting for validation" if o.waiting else ""
        out.print(
            f"  objective {escape(o.key)}: forecast {money(o.forecast)} {c}, validated "
            f"{money(o.validated)} {c}{waiting}"
        )
    for p in found.programmes:
        share = f" ({share_of(p.validated_share_of_budget)} of it)" if p.budget else ""
        out.print(
            f"  programme {escape(p.key)}: validated {money(p.validated)} {c} against budget "
            f"{money(p.budget)} {c}{share}; forecast {money(p.forecast)} {c}"
        )
