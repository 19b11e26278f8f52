"""``improve portfolio plan``: the identified and defined improvements that give the most
value within a budget and team hours, what is left out and why; ``--accept --as NAME`` records
a CI manager's acceptance as a decision in the audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ci_workflow.cli._common import cli_actor, console, escape, print_json
from ci_workflow.domain.numbers import money
from ci_workflow.domain.strategy.plan import Measure
from ci_workflow.errors import UsageError

if TYPE_CHECKING:
    from ci_workflow.schemas_strategy import PortfolioOut, PortfolioPlan


def plan(
    budget: float | None = typer.Option(
        None, "--budget", help="The money to spend (default: the quarter's capacity left)."
    ),
    hours: float | None = typer.Option(
        None, "--hours", help="The team hours to spend (default: the quarter's capacity left)."
    ),
    quarter: str | None = typer.Option(
        None, "--quarter", help="A quarter of the strategy's capacity, e.g. 2027Q1."
    ),
    by: Measure = typer.Option(
        Measure.value, "--by", help="value: expected gain; wsjf: WSJF score."
    ),
    accept: bool = typer.Option(
        False, "--accept", help="Record this plan as accepted (a CI manager, with --as)."
    ),
    as_: str | None = typer.Option(None, "--as", help="Who accepts: a CI manager."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Propose the set of identified and defined improvements that maximises value within
    the budget and hours (an exact solver), and say what is left out and why."""
    from ci_workflow.services.register.strategy import plan as service

    ask = service.Ask(measure=by, budget=budget, hours=hours, quarter=quarter)
    if accept:
        if as_ is None:
            raise UsageError("--accept needs --as NAME: the CI manager who accepts the plan")
        found = service.accept(ask, actor=cli_actor(as_))
    else:
        found = service.propose(ask)
    if json_:
        print_json(found)
        return
    _print(found)


def _print(found: PortfolioPlan) -> None:
    from ci_workflow.services.register.strategy.plan import value_text

    out = console()
    c = found.currency
    where = f" for {found.quarter}" if found.quarter else ""
    out.print(
        f"[bold]plan{where}[/bold], maximising {_measure(found.measure)}: budget "
        f"{money(found.budget)} {c}, {found.hours:,.0f} h"
    )
    if found.committed_cost or found.committed_hours:
        out.print(
            f"  (the quarter's capacity less {money(found.committed_cost)} {c} and "
            f"{found.committed_hours:,.0f} h already taken by improvements past choosing)"
        )
    out.print(f"chosen ({len(found.chosen)}):")
    for i in found.chosen:
        out.print(
            f"  {i.id} {escape(i.title)}: {money(i.estimated_cost)} {c}, "
            f"{i.estimated_hours or 0:,.0f} h, {_value(found.measure, i.value, c)}"
        )
    out.print(
        f"total: {money(found.total_cost)} of {money(found.budget)} {c}, "
        f"{found.total_hours:,.0f} h of {found.hours:,.0f} h, "
        f"{value_text(found.measure, found.total_value, c)}"
    )
    if found.left_out:
        out.print(f"left out ({len(found.left_out)}):")
    for i in found.left_out:
        out.print(f"  {i.id} {escape(i.title)}: {escape(i.reason)}")
    if found.accepted_by:
        out.print(f"accepted by {escape(found.accepted_by)}, recorded in the audit")


def _count(n: int) -> str:
    return f"{n} improvement" + ("" if n == 1 else "s")


def _measure(measure: str) -> str:
    return "the WSJF score" if measure == Measure.wsjf else "the expected gain"


def _value(measure: str, value: float | None, currency: str) -> str:
    if measure == Measure.wsjf:
        return f"WSJF {value:,.2f}" if value is not None else "no WSJF score"
    return f"gain {money(value)} {currency}"


def print_capacity(found: PortfolioOut) -> None:
    """Per quarter, for ``improve portfolio``: capacity against demand, and what is over."""
    out, c = console(), found.benefits.currency
    for q in found.capacity:
        has = (
            f"capacity {q.hours:,.0f} h and {money(q.budget)} {c}"
            if q.hours is not None and q.budget is not None
            else "no capacity set"
        )
        over = [
            f"{amount} over"
            for amount, beyond in (
                (f"{q.over_hours:,.0f} h", q.over_hours),
                (f"{money(q.over_budget)} {c}", q.over_budget),
            )
            if beyond > 0
        ]
        unknown = f", {q.not_estimated} not estimated" if q.not_estimated else ""
        flag = f" [red]{', '.join(over)}[/red]" if over else ""
        out.print(
            f"quarter [bold]{q.quarter}[/bold]: {has}; demand {q.demand_hours:,.0f} h "
            f"and {money(q.demand_cost)} {c} ({_count(len(q.improvements))}{unknown}){flag}"
        )
    if found.not_placed:
        out.print(f"not placed in a quarter (no due date): {', '.join(found.not_placed)}")


def plans(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The portfolio plans CI managers accepted lately, newest first, from the audit."""
    from ci_workflow.services.register.strategy.plan import accepted_plans

    found = accepted_plans()
    if json_:
        print_json(found)
        return
    out = console()
    if not found:
        out.print("no plan accepted yet: improve portfolio plan ... --accept --as NAME")
    for p in found:
        out.print(f"{p.at:%Y-%m-%d %H:%M} UTC {escape(p.by)} ({p.channel}): {escape(p.detail)}")
