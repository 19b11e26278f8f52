"""The register: filtered by status, process, service and owner; sorted by priority, WSJF, value
or id; a page at a time; and as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.stages.lifecycle import Status
from ci_workflow.domain.vocabulary import SortOrder
from ci_workflow.services.register.browse import (
    list_improvements,
    register_page,
    spreadsheet_safe,
)
from ci_workflow.web.auth import viewer
from ci_workflow.web.render import as_json, page

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
PAGE_SIZE = 50
CSV_COLUMNS = (
    "id",
    "key",
    "title",
    "type",
    "status",
    "process",
    "service",
    "owner",
    "process_owner",
    "priority",
    "wsjf",
    "estimated_cost",
    "expected_gain",
    "value",
    "identified_at",
    "plan_done_pct",
    "overdue_actions",
)


def _rows(
    status: str | None, process: str | None, service: str | None, owner: str | None, sort: str
) -> list[dict[str, Any]]:
    return list_improvements(
        status=status if status in set(Status) else None,
        process=process or None,
        service=service or None,
        owner=owner or None,
        sort=SortOrder(sort) if sort in set(SortOrder) else SortOrder.priority,
    )


Filter = Annotated[str | None, Query(max_length=200)]


def _page(
    status: str | None,
    process: str | None,
    service: str | None,
    owner: str | None,
    sort: str,
    page_number: int,
) -> tuple[int, list[dict[str, Any]]]:
    return register_page(
        status=status if status in set(Status) else None,
        process=process or None,
        service=service or None,
        owner=owner or None,
        sort=SortOrder(sort) if sort in set(SortOrder) else SortOrder.priority,
        page=page_number,
        size=PAGE_SIZE,
    )


Page = Annotated[int, Query(alias="page", ge=1, le=100_000)]


@router.get("/register", response_class=HTMLResponse)
def register(
    request: Request,
    actor: Viewer,
    status: Filter = None,
    process: Filter = None,
    service: Filter = None,
    owner: Filter = None,
    sort: str = "priority",
    page_number: Page = 1,
) -> Response:
    total, rows = _page(status, process, service, owner, sort, page_number)
    pages = max(1, -(-total // PAGE_SIZE))
    filters = {
        "status": status or "",
        "process": process or "",
        "service": service or "",
        "owner": owner or "",
        "sort": sort,
    }
    return page(
        request,
        "register.html",
        actor,
        rows=rows,
        total=total,
        page_number=page_number,
        pages=pages,
        filters=filters,
        statuses=list(Status),
        sorts=list(SortOrder),
    )


@router.get("/api/register")
def register_json(
    actor: Viewer,
    status: Filter = None,
    process: Filter = None,
    service: Filter = None,
    owner: Filter = None,
    sort: str = "priority",
    page_number: Page = 1,
) -> Response:
    total, rows = _page(status, process, service, owner, sort, page_number)
    return as_json(
        {"total": total, "page": page_number, "page_size": PAGE_SIZE, "improvements": rows}
    )


@router.get("/register.csv")
def register_csv(
    actor: Viewer,
    status: Filter = None,
    process: Filter = None,
    service: Filter = None,
    owner: Filter = None,
    sort: str = "priority",
) -> Response:
    """The filtered register, every row, for a spreadsheet (formulas neutralised)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in _rows(status, process, service, owner, sort):
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register.csv"'},
    )
