"""The practice: its KPIs for a period against the period before, the ten KPIs overall and per
process and service, how it flowed (gate waits, stages, stalls, the quarterly trend, sources),
and the gates waiting, by approver and age."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import as_utc
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.errors import UsageError
from ci_workflow.reports.practice import kpi_text
from ci_workflow.reports.practice_portfolio import portfolio_context
from ci_workflow.services.register.strategy.portfolio import portfolio
from ci_workflow.services.reporting.practice_page import SHOWN_GATES, practice_page
from ci_workflow.web.auth import viewer
from ci_workflow.web.render import as_json, page

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Day = Annotated[str | None, Query(max_length=32, alias="from")]


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise UsageError(f"not a date: {text!r} (e.g. 2026-01-01)") from None


def _practice(start: str | None, end: str | None) -> dict[str, Any]:
    return practice_page(_moment(start), _moment(end))


@router.get("/practice", response_class=HTMLResponse)
def practice(
    request: Request,
    actor: Viewer,
    start: Day = None,
    end: Annotated[str | None, Query(max_length=32, alias="to")] = None,
) -> Response:
    shown = _practice(start, end)
    # The practice report's charts, drawn inline (SVG, no script): the page and the report agree.
    return page(
        request,
        "practice.html",
        actor,
        kpi_text=kpi_text,
        trend_chart=Markup(shown["charts"]["trend"]),
        gate_chart=Markup(shown["charts"]["gates"]),
        shown=SHOWN_GATES,
        stages=[s.value for s in Status],
        **portfolio_context(portfolio()),
        **shown,
    )


@router.get("/api/practice")
def practice_json(
    actor: Viewer,
    start: Day = None,
    end: Annotated[str | None, Query(max_length=32, alias="to")] = None,
) -> Response:
    return as_json({k: v for k, v in _practice(start, end).items() if k != "charts"})
