"""An improvement's benefits from its page: record a line's actual for a quarter (its owner or
team, a CI manager), validate or reject one (finance of its programme, a CI manager; never who
recorded it); and the JSON twins. The use cases ``improve benefits`` calls, so the same rules
and audit hold on every channel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.services.register.strategy.benefit_views import show_benefits
from ci_workflow.services.register.strategy.benefits import record_benefit, validate_benefit
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, form_number, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Short = Annotated[str, Form(max_length=64)]
Text = Annotated[str, Form(max_length=4000)]


@router.post("/improvements/{ref}/benefits/record")
def record_form(
    request: Request,
    ref: str,
    actor: Viewer,
    line: Short = "",
    quarter: Short = "",
    amount: Short = "",
    note: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        said = record_benefit(
            ref, line, quarter, form_number("amount", amount), actor=actor, note=note or None
        )
        say(request, said)
    return back(f"/improvements/{ref}", "benefits")


@router.post("/improvements/{ref}/benefits/validate")
def validate_form(
    request: Request,
    ref: str,
    actor: Viewer,
    line: Short = "",
    quarter: Short = "",
    decision: Short = "validate",
    reason: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        reject = (reason or "") if decision == "reject" else None
        say(request, validate_benefit(ref, line, quarter, actor=actor, reject=reject))
    return back(f"/improvements/{ref}", "benefits")


@router.get("/api/improvements/{ref}/benefits")
def benefits_json(ref: str, actor: Viewer) -> Response:
    """Its benefit lines per quarter: forecast, actual, validated or not; totals in the
    organisation's currency."""
    return as_json(show_benefits(ref))


class Recorded(BaseModel):
    line: str = Field(max_length=64)
    quarter: str = Field(max_length=16)
    amount: float = Field(allow_inf_nan=False)
    note: str | None = Field(default=None, max_length=1000)


@router.post("/api/improvements/{ref}/benefits/record")
def record_json(ref: str, asked: Recorded, actor: Writer) -> Response:
    """Record a benefit line's actual for a quarter (its owner or team, a CI manager)."""
    said = record_benefit(
        ref, asked.line, asked.quarter, asked.amount, actor=actor, note=asked.note
    )
    return as_json({"recorded": said})


class Decided(BaseModel):
    line: str = Field(max_length=64)
    quarter: str = Field(max_length=16)
    reject: str | None = Field(default=None, max_length=1000)


@router.post("/api/improvements/{ref}/benefits/validate")
def validate_json(ref: str, asked: Decided, actor: Writer) -> Response:
    """Validate a benefit's actual, or reject it with a reason (finance of the improvement's
    programme or a CI manager; never who recorded it)."""
    said = validate_benefit(ref, asked.line, asked.quarter, actor=actor, reject=asked.reject)
    return as_json({"decided": said})
