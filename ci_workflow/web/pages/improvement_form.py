"""Creating and editing an improvement in the browser, without script (``/improvements/new``,
``/improvements/ID/edit``): every field of its file in sections, sent as the file is to the
API's POST and PUT (``services.register.edit``: the same checks, permissions and audit), each
problem beside its field and the form kept as typed. "Add another" buttons come back with one
more blank row, saving nothing. An edit carries the version it started from; one saved over a
newer version shows what changed since and keeps what was typed. JSON twins: the form's facts
(``GET /api/improvements/new``, ``/api/improvements/ID/form``); the writes are the API's.

Its router comes before ``improvement``'s: ``/improvements/{ref}`` would take ``new``."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.improvement.sources import CsvAggregation, IncidentMetric
from ci_workflow.domain.improvement.spec_form import (
    SOURCE_FIELDS,
    place,
    row_count,
    spec_of,
    values_of,
)
from ci_workflow.domain.vocabulary import (
    ActionStatus,
    Direction,
    ImprovementType,
    KpiKind,
    OpportunitySource,
)
from ci_workflow.errors import AlreadyExists, ValidationFailed, VersionConflict
from ci_workflow.schemas_edit import EditSince, ImprovementForm
from ci_workflow.services.register.edit import Edited, create_improvement, update_improvement
from ci_workflow.services.views.improvement_form import (
    FROZEN_OBJECTIVE,
    changes_since,
    edit_form,
    new_form,
)
from ci_workflow.web.auth import check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
BLANK_ROWS = 2  # blank objectives and actions offered below the filled ones
NOT_FIELDS = ("csrf", "more", "save", "version")
CHOICES = {
    "type": [t.value for t in ImprovementType],
    "source": [s.value for s in OpportunitySource],
    "direction": [d.value for d in Direction],
    "kpi_kind": [k.value for k in KpiKind],
    "status": [s.value for s in ActionStatus],
    "aggregation": list(get_args(CsvAggregation)),
    "incident_metric": list(get_args(IncidentMetric)),
}


@router.get("/improvements/new", response_class=HTMLResponse)
def new(request: Request, actor: Viewer) -> Response:
    form = new_form(actor)
    rows = {"objectives": BLANK_ROWS, "plan": BLANK_ROWS}
    return _page(request, actor, form, {"source": "other"}, rows)


@router.get("/api/improvements/new")
def new_json(actor: Viewer) -> Response:
    """Who may register one (refused otherwise), and the people and scopes to pick from."""
    return as_json(new_form(actor))


@router.post("/improvements/new", response_class=HTMLResponse)
async def create(request: Request, actor: Viewer) -> Response:
    values, sent = await _sent(request, actor)
    form = await run_in_threadpool(new_form, actor)
    if sent.get("more"):
        return _page(request, actor, form, values, _rows(values, sent["more"]))
    read = spec_of(values)
    if read.problems:
        return _page(request, actor, form, values, _rows(values), read.problems, status=422)
    try:
        made = await run_in_threadpool(create_improvement, read.spec, actor=actor)
    except AlreadyExists as exists:
        errors = {"key": [str(exists)]}
        return _page(request, actor, form, values, _rows(values), errors, status=409)
    except ValidationFailed as failed:
        errors = place(failed.problems, values, read)
        return _page(request, actor, form, values, _rows(values), errors, status=422)
    say(request, f"{made.id} registered: {made.key}")
    _warn(request, made)
    return back(f"/improvements/{made.id}")


@router.get("/improvements/{ref}/edit", response_class=HTMLResponse)
def edit(request: Request, ref: str, actor: Viewer) -> Response:
    form = edit_form(ref, actor)
    values = values_of(form.document or {})
    blank = 0 if form.frozen else BLANK_ROWS  # past approval no objective is added or dropped
    rows = {
        "objectives": row_count(values, "objectives") + blank,
        "plan": row_count(values, "plan") + BLANK_ROWS,
    }
    return _page(request, actor, form, values, rows)


@router.get("/api/improvements/{ref}/form")
def edit_json(ref: str, actor: Viewer) -> Response:
    """The file, its version, and what is frozen and why, for who may change it."""
    return as_json(edit_form(ref, actor))


@router.post("/improvements/{ref}/edit", response_class=HTMLResponse)
async def save(request: Request, ref: str, actor: Viewer) -> Response:
    values, sent = await _sent(request, actor)
    form = await run_in_threadpool(edit_form, ref, actor)
    version = int(sent["version"]) if sent.get("version", "").isdigit() else -1
    form = form.model_copy(update={"version": version})  # the one the editor started from
    if sent.get("more"):
        return _page(request, actor, form, values, _rows(values, sent["more"]))
    read = spec_of(values)
    if read.problems:
        return _page(request, actor, form, values, _rows(values), read.problems, status=422)
    try:
        edited = await run_in_threadpool(
            update_improvement, ref, read.spec, version=version, actor=actor
        )
    except VersionConflict as conflict:
        # Kept as typed, from the version now: saving again saves it over what changed.
        form = form.model_copy(update={"version": conflict.version})
        since = changes_since(conflict.changes)
        return _page(request, actor, form, values, _rows(values), conflict=since, status=409)
    except ValidationFailed as failed:
        errors = place(failed.problems, values, read)
        return _page(request, actor, form, values, _rows(values), errors, status=422)
    if edited.outcome == "unchanged":
        say(request, f"{edited.id}: nothing changed")
    else:
        say(request, f"{edited.id} saved: {', '.join(edited.changed)} changed")
    _warn(request, edited)
    return back(f"/improvements/{edited.id}")


def _warn(request: Request, edited: Edited) -> None:
    """What saved but deserves a look (a sql source counting deleted records), on the page the
    form goes back to, as ``improve apply`` prints it."""
    for warning in edited.warnings:
        say(request, f"warning: {warning}", "warning")


async def _sent(request: Request, actor: Actor) -> tuple[dict[str, str], dict[str, str]]:
    """The form's fields (the file's) and the rest (the token, the button, the version)."""
    data = await request.form(max_fields=20_000)
    sent = {k: v for k, v in data.items() if isinstance(v, str)}
    check_csrf(request, sent.get("csrf", ""), actor)
    values = {k: v.replace("\r\n", "\n") for k, v in sent.items() if k not in NOT_FIELDS}
    return values, sent


def _rows(values: dict[str, str], more: str = "") -> dict[str, int]:
    """The rows the form had, and one more blank of ``more`` (objectives or plan)."""
    rows = {section: row_count(values, section) for section in ("objectives", "plan")}
    if more in rows:
        rows[more] += 1
    return rows


def _page(
    request: Request,
    actor: Actor,
    form: ImprovementForm,
    values: dict[str, str],
    rows: dict[str, int],
    errors: dict[str, list[str]] | None = None,
    *,
    conflict: list[EditSince] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "values": values,
        "rows": rows,
        "errors": errors or {},
        "conflict": conflict,
        "kinds": SOURCE_FIELDS,
        "choices": CHOICES,
        "frozen_objective": FROZEN_OBJECTIVE if form.frozen else (),
        "frozen_top": [f for f in form.frozen_fields if "." not in f],
    }
    return page(request, "improvement_form.html", actor, status, **context)
