"""The strategy edited in the workspace (a CI manager's page): ``/strategy`` shows the file in
force in a text box; *Preview* lists what applying it would change (the list ``improve strategy
apply`` prints), *Apply* applies it through the same use case, audited, and says the version.
A refused file comes back as typed with every problem, nothing written. JSON twin:
``/api/strategy``. Anyone else gets 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.errors import UsageError, ValidationFailed
from ci_workflow.schemas_strategy import StrategyApplied, StrategyDocument
from ci_workflow.services.register.strategy.edit import (
    check_editor,
    edit_strategy,
    strategy_document,
)
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
MAX_TEXT = 1_000_000


def _page(
    request: Request,
    actor: Actor,
    shown: StrategyDocument,
    *,
    text: str | None = None,
    preview: StrategyApplied | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "strategy_edit.html",
        actor,
        status,
        shown=shown,
        text=shown.document if text is None else text,
        preview=preview,
        problems=problems or [],
    )


@router.get("/strategy", response_class=HTMLResponse)
def strategy(request: Request, actor: Viewer) -> Response:
    return _page(request, actor, strategy_document(actor))


@router.post("/strategy", response_class=HTMLResponse)
def edit(
    request: Request,
    actor: Viewer,
    text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    version: Annotated[int, Form(ge=0)] = 0,
    act: Annotated[str, Form(max_length=16)] = "preview",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """``act``: ``preview`` (nothing written) or ``apply``; ``version``: the one the editor
    started from (0: none applied)."""
    check_csrf(request, csrf, actor)
    check_editor(actor)
    current = strategy_document(actor)
    shown = current.model_copy(update={"version": version or None})  # the one edited from
    try:
        done = edit_strategy(text, actor=actor, based_on=version, preview=act != "apply")
    except ValidationFailed as failed:
        return _page(request, actor, shown, text=text, problems=failed.problems, status=422)
    except UsageError as conflict:  # another version applied meanwhile: now edited from it
        return _page(request, actor, current, text=text, problems=[str(conflict)], status=409)
    if act != "apply":
        return _page(request, actor, shown, text=text, preview=done)
    if done.version is None:
        say(request, "Nothing changed: the strategy's version stays as it was.")
    else:
        say(request, f"Strategy version {done.version} applied.")
    return back("/strategy")


@router.get("/api/strategy")
def strategy_json(actor: Viewer) -> Response:
    """The strategy file in force as the editor shows it (key results' source secrets masked),
    with its version. A CI manager only (403 for anyone else, audited)."""
    return as_json(strategy_document(actor))


class Edited(BaseModel):
    text: str = Field(max_length=MAX_TEXT)
    version: int | None = Field(default=None, ge=0)  # the one edited from; None: whatever is held
    preview: bool = False


@router.post("/api/strategy")
def edit_json(asked: Edited, actor: Writer) -> Response:
    """Preview (``preview: true``) or apply a strategy file's text as ``improve strategy apply``
    does: every item created, updated, unchanged or removed, and the version added (null when
    nothing changed or in a preview). ``version``: the one the text was edited from; another
    applied since is refused (409). A CI manager only (403, audited); a bad file: 400 with every
    problem, nothing written."""
    check_editor(actor)
    try:
        done = edit_strategy(asked.text, actor=actor, based_on=asked.version, preview=asked.preview)
    except ValidationFailed as failed:
        said = f"{failed}: {'; '.join(failed.problems)}"  # the CLI says it whole
        return as_json({"error": said, "problems": failed.problems}, 400)
    except UsageError as conflict:
        return as_json({"error": str(conflict)}, 409)
    return as_json(done)
