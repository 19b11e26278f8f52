"""The practice as a whole: its KPIs over a period (the summary, and the ten KPIs overall, per
process and per service), how the practice itself flows (``practice_flow``), and the periodic
practice report, which records the bottlenecks it finds as opportunities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ci_workflow.domain.clock import as_utc, utcnow
from ci_workflow.domain.measures.evaluation import Evaluation
from ci_workflow.domain.measures.kpi_rollup import (
    KPIS,
    ClosedImprovement,
    Kpi,
    ObjectiveResult,
    grouped,
)
from ci_workflow.domain.measures.kpi_rollup import rollup as roll_up
from ci_workflow.domain.measures.kpis import ImprovementFacts, PracticeKpis, practice_kpis
from ci_workflow.domain.stages.lifecycle import OPEN, Status
from ci_workflow.errors import UsageError
from ci_workflow.reports.practice import practice_context, render_practice
from ci_workflow.reports.practice_portfolio import portfolio_context
from ci_workflow.schemas_strategy import PortfolioOut
from ci_workflow.services.measurement.sustainment import listing as sustainment_listing
from ci_workflow.services.reporting._practice_flow import flow_of, record_bottlenecks
from ci_workflow.services.reporting.files import save_file
from ci_workflow.services.views.objective_results import evaluations_of, progress_of
from ci_workflow.services.views.waiting_gates import pending_gates
from ci_workflow.settings import get_settings
from ci_workflow.store.db import transaction
from ci_workflow.store.register import improvements as store
from ci_workflow.store.strategy.benefits import validated_gains
from ci_workflow.store.tables import Improvement

__all__ = [
    "all_kpis",
    "kpis",
    "kpis_public",
    "period",
    "practice_report",
    "practice_view",
    "rollup_public",
    "write_practice",
]

CAPTURED = (Status.executing, Status.in_review)


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Default: the last 12 months up to now."""
    end = end or utcnow()
    return (start or end - timedelta(days=365)), end


@dataclass(frozen=True)
class PeriodResults:
    """A period's closed improvements: the summary KPIs, each one with its evaluations, and each
    one as the ten KPIs read it."""

    kpis: PracticeKpis
    closed: list[tuple[Improvement, list[Evaluation]]]
    rolled: list[ClosedImprovement]


@dataclass(frozen=True)
class Register:
    """What every period's figures read of the whole register: read once, however many periods
    (the report and the page compare a period with the one before)."""

    facts: list[store.FactRow]
    dues: dict[int, date]
    benefits: dict[int, float]  # where it has benefit lines, its gain is validated


def read_register(session: Session) -> Register:
    return Register(
        store.fact_rows(session), store.latest_due_dates(session), validated_gains(session)
    )


def _results(session: Session, start: datetime, end: datetime, register: Register) -> PeriodResults:
    """Evaluates each improvement closed in (start, end] once, for every figure that needs it."""
    closed = store.closed_between(session, start, end)
    results = evaluations_of(session, closed)
    inputs = store.input_metrics(session, results)
    benefits, dues = register.benefits, register.dues

    def gain(i: Improvement) -> float | None:
        return benefits.get(i.id or 0, i.realised_gain)

    facts = [
        ImprovementFacts(
            status=status,
            identified_at=identified_at,
            completed_at=completed_at,
            realised_gain=benefits.get(key or 0, realised_gain),
            actual_cost=actual_cost,
            objectives_met=tuple(r.verdict == "met" for r in results.get(key or 0, [])),
            latest_due=dues.get(key or 0),
        )
        for key, status, identified_at, completed_at, realised_gain, actual_cost in register.facts
    ]
    rolled = [
        ClosedImprovement(
            process=i.process,
            service=i.service,
            identified_at=as_utc(i.identified_at),
            completed_at=as_utc(i.completed_at or i.identified_at),
            realised_gain=gain(i),
            actual_cost=i.actual_cost,
            objectives=tuple(
                ObjectiveResult(
                    e.metric,
                    e.kpi_kind,
                    e.unit,
                    e.direction,
                    e.baseline,
                    e.final,
                    e.verdict,
                    inputs[(i.id or 0, e.metric)],
                )
                for e in results[i.id or 0]
            ),
        )
        for i in closed
    ]
    kpis = replace(
        practice_kpis(facts, start, end),
        gains_from_benefits=sum(1 for i in closed if (i.id or 0) in benefits),
    )
    return PeriodResults(kpis, [(i, results[i.id or 0]) for i in closed], rolled)


def kpis(start: datetime, end: datetime) -> PracticeKpis:
    with transaction(write=False) as session:
        return _results(session, start, end, read_register(session)).kpis


def kpis_public(found: PracticeKpis, start: datetime, end: datetime) -> dict[str, Any]:
    def figure(f: Any) -> dict[str, Any]:
        return {"value": f.value, "reason": f.reason or None}

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "closed": found.closed,
        "successful": found.successful,
        "success_rate": figure(found.success_rate),
        "average_days_to_implement": figure(found.average_days_to_implement),
        "total_roi": figure(found.total_roi),
        "average_roi": figure(found.average_roi),
        "on_time_rate": figure(found.on_time_rate),
        "roi_gain_from": {  # which gain each closed improvement's ROI was computed from
            "validated_benefits": found.gains_from_benefits,
            "realised_gain_at_signoff": found.closed - found.gains_from_benefits,
        },
        "by_stage": found.by_stage,
    }


def rollup_public(rolled: list[ClosedImprovement]) -> dict[str, Any]:
    """The ten KPIs overall, per process and per service, in full precision."""

    def shown(found: dict[str, Kpi]) -> dict[str, Any]:
        return {
            key: {"name": name, "formula": formula, **asdict(found[key])}
            for key, name, formula in KPIS
        }

    def groups(by: Any) -> list[dict[str, Any]]:
        return [{by: g, "closed": n, "kpis": shown(k)} for g, n, k in grouped(rolled, by)]

    return {
        "overall": shown(roll_up(rolled)),
        "by_process": groups("process"),
        "by_service": groups("service"),
    }


def all_kpis(start: datetime, end: datetime) -> dict[str, Any]:
    """``improve kpis``: the summary of the period and its ten KPIs (``kpis``)."""
    with transaction(write=False) as session:
        found = _results(session, start, end, read_register(session))
    return kpis_public(found.kpis, start, end) | {"kpis": rollup_public(found.rolled)}


def practice_view(
    start: datetime, end: datetime, *, stall_days: float | None = None
) -> dict[str, Any]:
    """The practice page, read only: the summary KPIs against the period before, the ten KPIs
    and how the practice flowed (the report also records the bottlenecks)."""
    before_start = start - (end - start)
    with transaction(write=False) as session:
        register = read_register(session)
        now = _results(session, start, end, register)
        before = _results(session, before_start, start, register)
        flow = flow_of(session, start, end, now.rolled, stall_days=stall_days)
    return {
        "now": kpis_public(now.kpis, start, end),
        "before": kpis_public(before.kpis, before_start, start),
        "ten": rollup_public(now.rolled),
        "flow": flow,
    }


def gather_practice(
    start: datetime,
    end: datetime,
    *,
    stall_days: float | None = None,
    portfolio: PortfolioOut | None = None,
) -> dict[str, Any]:
    """The practice report's context; records the bottlenecks it finds (``record_bottlenecks``:
    once per group and quarter, so generating it again adds nothing). ``portfolio``: the
    register's ``portfolio_of``, given by the caller (the register wing sits above this one)."""
    overdue_after = timedelta(days=get_settings().gate_overdue_days)
    with transaction(write=False) as session:
        register = read_register(session)
        now = _results(session, start, end, register)
        before = _results(session, start - (end - start), start, register)
        flow = flow_of(session, start, end, now.rolled, stall_days=stall_days)
        open_ones = store.with_status(session, OPEN)
        executing = [i.id or 0 for i in open_ones if i.status in CAPTURED]
        tracks = progress_of(session, executing)
    findings = record_bottlenecks(start, end, flow)
    sustained = sustainment_listing()
    waiting = [g for g in pending_gates() if utcnow() - as_utc(g.waiting_since) > overdue_after]
    return practice_context(
        start=start,
        end=end,
        kpis=now.kpis,
        before=before.kpis,
        closed=now.closed,
        open_ones=open_ones,
        tracks=tracks,
        overdue=waiting,
        generated_at=utcnow(),
        ten=rollup_public(now.rolled),
        ten_before=rollup_public(before.rolled)["overall"],
        flow=flow,
        findings=findings,
        sustained=sustained,
    ) | portfolio_context(portfolio or PortfolioOut())


def practice_report(
    start: datetime,
    end: datetime,
    fmt: str = "html",
    *,
    stall_days: float | None = None,
    portfolio: PortfolioOut | None = None,
) -> str:
    context = gather_practice(start, end, stall_days=stall_days, portfolio=portfolio)
    return render_practice(context, fmt)


def write_practice(
    start: datetime,
    end: datetime,
    fmt: str = "html",
    out: Path | None = None,
    *,
    force: bool = False,
    stall_days: float | None = None,
    portfolio: PortfolioOut | None = None,
) -> Path:
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}; choose html or md")
    if start >= end:
        raise UsageError("--from must be before --to")
    content = practice_report(start, end, fmt, stall_days=stall_days, portfolio=portfolio)
    name = f"practice-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    path = out or get_settings().home_dir / "reports" / name
    return save_file(content, path, improvement_id=None, kind="practice", fmt=fmt, force=force)
