"""Comments on an improvement and following it: the page's forms and their JSON twins. A refused
comment shows the improvement's page again, the text kept and the reason beside it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile  # what request.form() holds

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.errors import ImproveError, NotAuthorised
from ci_workflow.services.register.discussion.comments import add_comment, remove_comment
from ci_workflow.services.register.discussion.watchers import follow
from ci_workflow.services.views.discussion import discussion_of
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.limits import MAX_BODY
from ci_workflow.web.pages.discussion.attachments import read_upload
from ci_workflow.web.pages.improvement import improvement_context
from ci_workflow.web.render import as_json, back, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Csrf = Annotated[str, Form(max_length=200)]


@router.post("/improvements/{ref}/comments")
async def comment(request: Request, ref: str, actor: Viewer) -> Response:
    # Read here rather than by ``Form``: Starlette refuses a field over 1 MB in its own words;
    # the use case says in ours how long a comment may be (the body limit bounds the request).
    form = await request.form(max_part_size=MAX_BODY)
    said = {k: v if isinstance(v, str) else "" for k in FIELDS for v in [form.get(k, "")]}
    file = form.get("file")
    upload = file if isinstance(file, UploadFile) and file.filename else None
    return await run_in_threadpool(_comment, request, ref, actor, upload, **said)


FIELDS = ("body", "gate", "csrf")


def _comment(
    request: Request,
    ref: str,
    actor: Actor,
    file: UploadFile | None,
    body: str,
    gate: str,
    csrf: str,
) -> Response:
    check_csrf(request, csrf, actor)
    try:
        upload = read_upload(file) if file is not None else None
        number = add_comment(ref, body, actor=actor, gate=gate or None, upload=upload)
    except NotAuthorised:
        raise
    except ImproveError as refused:
        draft = {"body": body[:20_000], "gate": gate, "error": str(refused).splitlines()[0]}
        return page(
            request,
            "improvement.html",
            actor,
            400,
            draft=draft,
            **improvement_context(ref, actor),
        )
    say(request, "Your comment is added")
    return back(f"/improvements/{ref}", f"comment-{number}")


@router.post("/improvements/{ref}/comments/{comment_id}/remove")
def comment_remove(
    request: Request, ref: str, comment_id: int, actor: Viewer, csrf: Csrf = ""
) -> Response:
    check_csrf(request, csrf, actor)
    with refusal_said(request):
        say(request, remove_comment(ref, comment_id, actor=actor))
    return back(f"/improvements/{ref}", "comments")


@router.post("/improvements/{ref}/follow")
def follow_form(
    request: Request,
    ref: str,
    actor: Viewer,
    on: Annotated[str, Form(max_length=1)] = "1",
    csrf: Csrf = "",
) -> Response:
    check_csrf(request, csrf, actor)
    say(request, follow(ref, actor=actor, on=on != "0").capitalize())
    return back(f"/improvements/{ref}", "watchers")


@router.get("/api/improvements/{ref}/discussion")
def discussion_json(ref: str, actor: Viewer) -> Response:
    """The page's comments, attachments and watchers, and what the caller may do there."""
    return as_json(discussion_of(ref, actor))


@router.get("/api/improvements/{ref}/comments")
def comments_json(ref: str, actor: Viewer) -> Response:
    return as_json(discussion_of(ref, actor).comments)


class NewComment(BaseModel):
    body: str
    gate: str | None = Field(default=None, max_length=32)


@router.post("/api/improvements/{ref}/comments")
def comment_json(ref: str, asked: NewComment, actor: Writer) -> Response:
    number = add_comment(ref, asked.body, actor=actor, gate=asked.gate)
    added = next(c for c in discussion_of(ref, actor).comments if c.id == number)
    return as_json(added, 201)


@router.delete("/api/improvements/{ref}/comments/{comment_id}")
def comment_delete_json(ref: str, comment_id: int, actor: Writer) -> Response:
    return as_json({"removed": remove_comment(ref, comment_id, actor=actor)})


@router.get("/api/improvements/{ref}/watchers")
def watchers_json(ref: str, actor: Viewer) -> Response:
    shown = discussion_of(ref, actor)
    return as_json({"watchers": shown.watchers, "following": shown.following})


@router.put("/api/improvements/{ref}/watchers/me")
def follow_json(ref: str, actor: Writer) -> Response:
    return as_json({"said": follow(ref, actor=actor, on=True)})


@router.delete("/api/improvements/{ref}/watchers/me")
def unfollow_json(ref: str, actor: Writer) -> Response:
    return as_json({"said": follow(ref, actor=actor, on=False)})
