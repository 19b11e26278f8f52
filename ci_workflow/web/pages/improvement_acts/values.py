"""Recording an objective's value from the improvement's page (a number, or a survey's result
typed as answers per point or uploaded as a CSV of responses), and confirming a measured
baseline (its owner), with the JSON twins; the same use cases as ``improve record``, ``improve
survey`` and ``improve confirm-baseline``, so the same permission checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.measures.surveys import MAX_FILE_BYTES
from ci_workflow.errors import UsageError
from ci_workflow.services.measurement.recording import confirm_baseline, record, record_survey
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, form_number, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Short = Annotated[str, Form(max_length=64)]
Text = Annotated[str, Form(max_length=4000)]


def as_of(text: str) -> datetime | None:
    """The form's date (``2026-11-25``), as 00:00 UTC that day; empty: now."""
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"as of: not a date: {text.strip()!r} (e.g. 2026-11-25)") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.post("/improvements/{ref}/values")
def record_form(
    request: Request,
    ref: str,
    actor: Viewer,
    metric: Short = "",
    value: Short = "",
    at: Short = "",
    note: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request, ValueError):
        number = form_number("value", value)
        say(
            request,
            record(ref, metric, number, actor=actor, at=as_of(at), baseline=False, note=note),
        )
    return back(f"/improvements/{ref}", f"record-{metric}")


@router.post("/improvements/{ref}/surveys")
def survey_form(
    request: Request,
    ref: str,
    actor: Viewer,
    metric: Short = "",
    question: Text = "",
    scale: Short = "5",
    answers: Text = "",
    responses: Annotated[UploadFile | None, Form()] = None,
    at: Short = "",
    note: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request, ValueError):
        # Read here, in the worker thread a plain route runs in: a bound, one read.
        data = responses.file.read(MAX_FILE_BYTES + 1) if responses is not None else None
        line = record_survey(
            ref,
            metric,
            question=question,
            scale=int(form_number("scale", scale)),
            answers=answers if answers.strip() else None,
            responses_csv=data or None,  # a file input left empty sends no bytes
            actor=actor,
            at=as_of(at),
            note=note,
        )
        say(request, line)
    return back(f"/improvements/{ref}", f"record-{metric}")


class Value(BaseModel):
    metric: str = Field(max_length=64)
    value: float = Field(allow_inf_nan=False)
    at: datetime | None = None
    baseline: bool = False
    note: str = Field(default="", max_length=4000)


@router.post("/api/improvements/{ref}/values")
def record_json(ref: str, asked: Value, actor: Writer) -> Response:
    """A measured value, as ``improve record`` records it."""
    line = record(
        ref,
        asked.metric,
        asked.value,
        actor=actor,
        at=asked.at,
        baseline=asked.baseline,
        note=asked.note,
    )
    return as_json({"recorded": line})


class SurveyResult(BaseModel):
    """A survey: the answers per scale point (lowest first), or the CSV file's text."""

    metric: str = Field(max_length=64)
    question: str = Field(max_length=4000)
    scale: int = Field(default=5)
    answers: list[int] | None = Field(default=None, max_length=64)
    responses_csv: str | None = Field(default=None, max_length=MAX_FILE_BYTES)
    at: datetime | None = None
    note: str = Field(default="", max_length=4000)


@router.post("/api/improvements/{ref}/surveys")
def survey_json(ref: str, asked: SurveyResult, actor: Writer) -> Response:
    """A survey's result, as ``improve survey`` records it: its mean is the value."""
    text = asked.responses_csv
    line = record_survey(
        ref,
        asked.metric,
        question=asked.question,
        scale=asked.scale,
        answers=asked.answers,
        responses_csv=text.encode("utf-8") if text is not None else None,
        actor=actor,
        at=asked.at,
        note=asked.note,
    )
    return as_json({"recorded": line})


@router.post("/improvements/{ref}/baselines")
def confirm_baseline_form(
    request: Request, ref: str, actor: Viewer, metric: Short = "", csrf: Text = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        say(request, confirm_baseline(ref, metric, actor=actor))
    return back(f"/improvements/{ref}", "baselines")


class BaselineConfirmation(BaseModel):
    metric: str = Field(max_length=64)


@router.post("/api/improvements/{ref}/baselines")
def confirm_baseline_json(ref: str, asked: BaselineConfirmation, actor: Writer) -> Response:
    """The owner confirms a measured baseline, as ``improve confirm-baseline`` does."""
    return as_json({"confirmed": confirm_baseline(ref, asked.metric, actor=actor)})
