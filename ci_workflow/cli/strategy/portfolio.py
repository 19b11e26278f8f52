"""``improve portfolio``: the improvements per strategic objective, key results' progress,
objectives nobody serves, and programmes' estimated cost against their budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import add_commands, console, escape, handle_errors, print_json
from ci_workflow.cli.strategy.benefits import print_portfolio_benefits
from ci_workflow.domain.numbers import money, percent, quantity

if TYPE_CHECKING:
    from ci_workflow.schemas_strategy import PortfolioOut


def portfolio(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The portfolio: what serves each strategic objective, and what each programme spends."""
    from ci_workflow.services.register.strategy.portfolio import portfolio as read

    found = read()
    if json_:
        print_json(found)
        return
    _print(found)


def _print(found: PortfolioOut) -> None:
    from ci_workflow.cli.strategy.plan import print_capacity

    out = console()
    if found.version is None:
        out.print("no strategy applied yet: improve strategy apply strategy.yaml")
        return
    for o in found.objectives:
        stages = ", ".join(f"{n} {stage}" for stage, n in o.by_stage.items()) or "none"
        out.print(f"[bold]{escape(o.key)}[/bold] {escape(o.title)} ({escape(o.goal_title)})")
        out.print(f"  improvements: {escape(stages)}")
        for i in o.improvements:
            said = f": {i.contribution}" if i.contribution else ""
            out.print(f"    {i.id} {escape(i.title)} ({i.status}){escape(said)}")
        for kr in o.key_results:
            latest = quantity(kr.latest, kr.unit) if kr.latest is not None else "not measured"
            out.print(
                f"  key result {escape(kr.key)}: {escape(latest)} → target "
                f"{escape(quantity(kr.target, kr.unit))} by {kr.due} "
                f"({percent(kr.achieved_pct)} of the way, {kr.track})"
            )
            if kr.failure:
                out.print(f"    latest capture failed: {escape(kr.failure)}")
    if found.unserved:
        keys = ", ".join(o.key for o in found.unserved)
        out.print(f"[bold]nobody serves:[/bold] {escape(keys)}")
    c = found.benefits.currency
    for p in found.programmes:
        over = " [red]over budget[/red]" if p.over_budget else ""
        unknown = f", {p.not_estimated} not estimated" if p.not_estimated else ""
        members = ", ".join(i.id for i in p.improvements) or "no improvements"
        out.print(
            f"programme [bold]{escape(p.key)}[/bold]: cost {money(p.cost)} {c} of budget "
            f"{money(p.budget)} {c}, {money(p.remaining)} {c} left{unknown}{over}: "
            f"{escape(members)}"
        )
    print_portfolio_benefits(found.benefits)
    print_capacity(found)


def _portfolio(
    ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """The portfolio: what serves each strategic objective, what each programme spends, and
    each quarter's capacity against demand; plan chooses within a budget and hours."""
    if ctx.invoked_subcommand is None:
        handle_errors(portfolio)(json_)


def register_commands(app: typer.Typer) -> None:
    from ci_workflow.cli.strategy.plan import plan, plans

    group = typer.Typer()
    group.callback(invoke_without_command=True)(_portfolio)
    add_commands(group, {"plan": plan, "plans": plans})
    app.add_typer(group, name="portfolio")
