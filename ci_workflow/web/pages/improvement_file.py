"""Improvement as code through the workspace, both ways: an improvement's file as the register
holds it (``GET /improvements/ID.yaml``, its JSON twin with the version), and the same spec sent
back to create or change it (``POST /api/improvements``, ``PUT /api/improvements/ID``, JSON).

Applied like a file (``services.register.apply``): the same validation, permission checks and
audit, one transaction. A PUT names the version it was edited from (``If-Match``, or the
``version`` field of the twin); a file changed since is refused with 409 and what changed.

Its router comes before ``improvement``'s: ``/improvements/{ref}`` would take ``ID.yaml``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.improvement.improvement_file import parse_version
from ci_workflow.errors import AlreadyExists, ValidationFailed, VersionConflict
from ci_workflow.services.register.edit import Edited, create_improvement, update_improvement
from ci_workflow.services.views.improvement_file import ImprovementFile, improvement_file
from ci_workflow.web.auth import api_writer, viewer
from ci_workflow.web.render import as_json

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]


def _etag(version: int) -> str:
    return f'"{version}"'


def twin(found: ImprovementFile) -> dict[str, Any]:
    """The file as JSON, with the version a PUT of it names."""
    return {**found.document, "version": found.version}


@router.get("/improvements/{ref}.yaml")
def file_yaml(request: Request, ref: str, actor: Viewer) -> Response:
    found = improvement_file(ref)
    headers = {
        "ETag": _etag(found.version),
        "Cache-Control": "private, no-cache",
        "Content-Disposition": f'attachment; filename="{found.key}.yaml"',
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(found.text, media_type="text/yaml; charset=utf-8", headers=headers)


@router.get("/api/improvements/{ref}/file")
def file_json(ref: str, actor: Viewer) -> Response:
    found = improvement_file(ref)
    answer = as_json(twin(found))
    answer.headers["ETag"] = _etag(found.version)
    return answer


@router.post("/api/improvements")
async def create(request: Request, actor: Writer) -> Response:
    spec = await _spec(request)
    if isinstance(spec, Response):
        return spec
    spec.pop("version", None)  # the twin of another improvement: nothing to check
    try:
        edited = await run_in_threadpool(create_improvement, spec, actor=actor)
    except AlreadyExists as exists:
        return as_json({"error": str(exists)}, 409)
    except ValidationFailed as failed:
        return _invalid(failed)
    return _edited(edited, 201)


@router.put("/api/improvements/{ref}")
async def update(request: Request, ref: str, actor: Writer) -> Response:
    spec = await _spec(request)
    if isinstance(spec, Response):
        return spec
    in_body, in_header = spec.pop("version", None), request.headers.get("if-match")
    version = parse_version(in_header if in_header is not None else in_body)
    if version is None:
        message = (
            'name the version you edited: If-Match: "N" (the ETag of GET '
            f"/improvements/{ref}.yaml) or the twin's version field; If-Match: * for any"
        )
        return as_json({"error": message}, 428)
    try:
        edited = await run_in_threadpool(
            update_improvement, ref, spec, version=version, actor=actor
        )
    except VersionConflict as conflict:
        current = await run_in_threadpool(improvement_file, ref)
        body = {
            "error": str(conflict),
            "version": conflict.version,
            "changes": conflict.changes,
            "current": twin(current),
        }
        answer = as_json(body, 409)
        answer.headers["ETag"] = _etag(current.version)
        return answer
    except ValidationFailed as failed:
        return _invalid(failed)
    return _edited(edited, 200)


async def _spec(request: Request) -> dict[str, Any] | Response:
    """The body: one JSON object, the spec of the improvement's file."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        message = "send the improvement's spec as JSON (Content-Type: application/json)"
        return as_json({"error": message}, 415)
    try:
        spec = json.loads(await request.body())
    except (ValueError, RecursionError) as error:
        return as_json({"error": "the body is not JSON", "problems": [str(error)[:200]]}, 422)
    if not isinstance(spec, dict):
        problem = "the body must be one JSON object: the improvement's spec"
        return as_json({"error": problem, "problems": [problem]}, 422)
    return spec


def _invalid(failed: ValidationFailed) -> Response:
    return as_json({"error": str(failed), "problems": failed.problems}, 422)


def _edited(edited: Edited, status: int) -> Response:
    body = {
        "id": edited.id,
        "key": edited.key,
        "outcome": edited.outcome,
        "changed": list(edited.changed),
        "version": edited.version,
        "warnings": list(edited.warnings),
    }
    answer = as_json(body, status)
    answer.headers["ETag"] = _etag(edited.version)
    answer.headers["Location"] = f"/improvements/{edited.id}"
    return answer
