"""Files attached to an improvement: uploaded with a plain form (multipart) or the API, listed,
and served only as downloads (never shown inline, the browser told not to guess their type)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.services.register.discussion.attachments import (
    Upload,
    attach,
    remove_attachment,
)
from ci_workflow.services.views.discussion import attachment_file, discussion_of
from ci_workflow.settings import get_settings
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Csrf = Annotated[str, Form(max_length=200)]
FileField = Annotated[UploadFile | None, File()]


def read_upload(upload: StarletteUpload | None) -> Upload:
    """The file's name and bytes, read no further than one byte past the bound (the use case
    says it is too large)."""
    if upload is None:
        return Upload("", b"")
    limit = get_settings().attachment_max_bytes + 1
    return Upload(upload.filename or "", upload.file.read(limit))


@router.post("/improvements/{ref}/attachments")
def attach_form(
    request: Request, ref: str, actor: Viewer, file: FileField = None, csrf: Csrf = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        upload = read_upload(file)
        attach(ref, upload, actor=actor)
        say(request, f"{upload.filename} is attached")
    return back(f"/improvements/{ref}", "attachments")


@router.post("/improvements/{ref}/attachments/{attachment_id}/remove")
def remove_form(
    request: Request, ref: str, attachment_id: int, actor: Viewer, csrf: Csrf = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        say(request, remove_attachment(ref, attachment_id, actor=actor))
    return back(f"/improvements/{ref}", "attachments")


@router.get("/improvements/{ref}/attachments/{attachment_id}")
@router.get("/api/improvements/{ref}/attachments/{attachment_id}")
def download(ref: str, attachment_id: int, actor: Viewer) -> Response:
    found, data = attachment_file(ref, attachment_id)
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in found.filename
    )
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(found.filename)}"
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type=found.media_type, headers=headers)


@router.get("/api/improvements/{ref}/attachments")
def attachments_json(ref: str, actor: Viewer) -> Response:
    return as_json(discussion_of(ref, actor).attachments)


@router.post("/api/improvements/{ref}/attachments")
def attach_json(
    ref: str,
    actor: Writer,
    file: FileField = None,
    comment_id: Annotated[int | None, Form()] = None,  # attached to one of its comments
) -> Response:
    number = attach(ref, read_upload(file), actor=actor, comment_id=comment_id)
    added = next(a for a in discussion_of(ref, actor).attachments if a.id == number)
    return as_json(added, 201)


@router.delete("/api/improvements/{ref}/attachments/{attachment_id}")
def remove_json(ref: str, attachment_id: int, actor: Writer) -> Response:
    return as_json({"removed": remove_attachment(ref, attachment_id, actor=actor)})
