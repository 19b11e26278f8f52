"""Forecast against actual: per improvement (each line × quarter, its actual validated or
not), and for the portfolio per strategic objective (an improvement serving several splits its
figures evenly: ``domain.strategy.benefit_figures``) and per programme (validated actuals
against its budget). Read-only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.domain.ids import format_id
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.strategy import benefit_figures as rules
from ci_workflow.domain.strategy.benefit_figures import RECORDED, Cell
from ci_workflow.domain.strategy.benefits import quarter_of
from ci_workflow.domain.strategy.serves import PROGRAMME, SERVES
from ci_workflow.schemas_benefits import (
    BenefitCellOut,
    BenefitFigures,
    BenefitLineOut,
    ImprovementBenefits,
    PortfolioBenefits,
    QuarterFigures,
)
from ci_workflow.schemas_strategy import StrategyOut
from ci_workflow.store.db import transaction
from ci_workflow.store.register.improvements import get_improvement, parties_of
from ci_workflow.store.strategy import benefits as store
from ci_workflow.store.strategy.benefit_tables import BenefitActual, BenefitLine
from ci_workflow.store.strategy.links import all_links, portfolio_rows

SPLIT_RULE = (
    "an improvement serving several objectives gives each an equal share of its forecast "
    "and validated actual (1/n each)"
)
SET_ASIDE = {Status.rejected.value, Status.withdrawn.value}


def show_benefits(ref: str) -> ImprovementBenefits:
    with transaction(write=False) as session:
        improvement = get_improvement(session, ref)
        return benefits_of(session, improvement.id or 0)


def _cells(
    line: BenefitLine, held: Iterable[BenefitActual], measured: store.Measured | None
) -> tuple[list[Cell], dict[str, BenefitActual]]:
    kept = {a.quarter: a for a in held if a.line_key == line.key}
    actuals = {q: (a.amount, a.state, a.source) for q, a in kept.items()}
    if line.measured_metric and line.measured_rate is not None and measured is not None:
        baseline, direction, points = measured
        for q in rules.measured_quarters(points) if baseline is not None else []:
            value = rules.value_in(q, points)
            if q not in actuals and baseline is not None and value is not None:
                amount = rules.measured_amount(baseline, value, direction, line.measured_rate)
                actuals[q] = (amount, RECORDED, "measured")
    return rules.cells(line.key, dict(line.forecast), actuals), kept


def benefits_of(session: Session, improvement_id: int) -> ImprovementBenefits:
    currency, rates = store.organisation_money(session)
    lines = store.lines_of(session, [improvement_id]).get(improvement_id, [])
    held = store.actuals_of(session, [improvement_id]).get(improvement_id, [])
    measured = store.measured_inputs(session, [improvement_id]) if lines else {}
    links = [link for link in all_links(session) if link.improvement_id == improvement_id]
    shown = ImprovementBenefits(
        id=format_id(improvement_id),
        currency=currency,
        programme=next((link.key for link in links if link.kind == PROGRAMME), None),
        serves=[link.key for link in links if link.kind == SERVES],
    )
    weighted: list[tuple[Cell, float]] = []
    for line in lines:
        cells, kept = _cells(line, held, measured.get((improvement_id, line.measured_metric or "")))
        own = line.currency or currency
        rate = 1.0 if own == currency else rates.get(own)
        weighted += [(cell, rate) for cell in cells] if rate is not None else []
        shown.lines.append(_line_out(line, own, cells, kept))
        shown.lines[-1].rate = rate
    found = rules.totals(weighted)
    shown.forecast, shown.validated, shown.waiting = found.forecast, found.validated, found.waiting
    return shown


def _line_out(
    line: BenefitLine, currency: str, cells: list[Cell], kept: dict[str, BenefitActual]
) -> BenefitLineOut:
    found = rules.totals((cell, 1.0) for cell in cells)
    measured = (
        f"{line.measured_metric} × {line.measured_rate:g} {currency} per unit"
        if line.measured_metric and line.measured_rate is not None
        else None
    )
    return BenefitLineOut(
        key=line.key,
        kind=line.kind,
        recurring=line.recurring,
        currency=currency,
        description=line.description,
        measured_from=measured,
        forecast=found.forecast,
        validated=found.validated,
        cells=[_cell_out(cell, kept.get(cell.quarter)) for cell in cells],
    )


def _cell_out(cell: Cell, row: BenefitActual | None) -> BenefitCellOut:
    out = BenefitCellOut(
        quarter=cell.quarter,
        forecast=cell.forecast,
        actual=cell.actual,
        state=cell.state,
        source=cell.source,
    )
    if row is not None:
        out.recorded_by, out.recorded_at, out.note = row.recorded_by, row.recorded_at, row.note
        out.decided_by, out.reason = row.decided_by, row.reason
    return out


def portfolio_benefits(session: Session, strategy: StrategyOut) -> PortfolioBenefits:
    """Per objective and per programme of ``strategy``, its improvements' forecast against
    validated actual (rejected and withdrawn improvements left out)."""
    in_play = [i for i, _, status, _ in portfolio_rows(session) if status not in SET_ASIDE]
    with_lines = set(store.lines_of(session, in_play))
    shown = {i: benefits_of(session, i) for i in sorted(with_lines)}
    currency = store.organisation_money(session)[0]
    by_objective: dict[str, list[tuple[ImprovementBenefits, float]]] = defaultdict(list)
    by_programme: dict[str, list[tuple[ImprovementBenefits, float]]] = defaultdict(list)
    for found in shown.values():
        for key, share in rules.split(1.0, found.serves).items():
            by_objective[key].append((found, share))
        if found.programme:
            by_programme[found.programme].append((found, 1.0))
    objectives = [
        _figures(o.key, o.title, by_objective[o.key])
        for goal in strategy.goals
        for o in goal.objectives
    ]
    programmes = []
    for p in strategy.programmes:
        figures = _figures(p.key, p.title, by_programme[p.key])
        figures.budget = p.budget
        figures.validated_share_of_budget = figures.validated / p.budget if p.budget else None
        programmes.append(figures)
    return PortfolioBenefits(
        currency=currency, split_rule=SPLIT_RULE, objectives=objectives, programmes=programmes
    )


def _figures(
    key: str, title: str, counted: list[tuple[ImprovementBenefits, float]]
) -> BenefitFigures:
    figures = BenefitFigures(key=key, title=title)
    quarters: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for found, share in counted:
        figures.forecast += found.forecast * share
        figures.validated += found.validated * share
        figures.waiting += found.waiting * share
        figures.improvements.append(found.id)
        for q, (forecast, validated) in _by_quarter(found).items():
            quarters[q][0] += forecast * share
            quarters[q][1] += validated * share
    figures.quarters = [
        QuarterFigures(quarter=q, forecast=f, validated=v) for q, (f, v) in sorted(quarters.items())
    ]
    return figures


def _by_quarter(found: ImprovementBenefits) -> dict[str, tuple[float, float]]:
    """The improvement's forecast and validated actual per quarter, in the organisation's
    currency (its totals already are; each line's cells are scaled by the same rate)."""
    quarters: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for line in found.lines:
        factor = line.rate if line.rate is not None else 0.0  # no rate: not counted
        for cell in line.cells:
            quarters[cell.quarter][0] += (cell.forecast or 0.0) * factor
            if cell.state == rules.VALIDATED:
                quarters[cell.quarter][1] += (cell.actual or 0.0) * factor
    return {q: (f, v) for q, (f, v) in quarters.items()}


def benefits_page(ref: str, actor: Actor) -> dict[str, Any]:
    """The improvement page's benefits section: its lines, and what the person looking may do
    (record an actual; validate or reject those they did not record)."""
    with transaction(write=False) as session:
        improvement = get_improvement(session, ref)
        shown = benefits_of(session, improvement.id or 0)
        person = actor.person
        may_record = person is not None and allowed(
            Action.record_benefit, person, parties_of(session, improvement)
        )
        may_validate = person is not None and allowed(
            Action.validate_benefit, person, programme=shown.programme
        )
    return {
        "view": shown,
        "may_record": may_record,
        "may_validate": may_validate,
        "me": actor.name,
        "quarter": quarter_of(utcnow()),
        "recordable": [line.key for line in shown.lines if line.measured_from is None],
    }
