"""Answering a request: an HTML page from the project's Jinja templates (autoescaped, strict),
or its JSON twin; and the one-line messages a page shows after a form was sent."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic_core import to_json

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.errors import ImproveError, NotAuthorised, UsageError
from ci_workflow.reports.rendering import render
from ci_workflow.web.auth import csrf_token


def page(
    request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    me = actor.person if actor is not None else None
    html = render(
        f"web/{template}",
        me=me,
        csrf=csrf_token(request),
        messages=request.session.pop("messages", []),
        path=request.url.path,
        manages_people=me is not None and allowed(Action.manage_people, me),
        triages=me is not None and allowed(Action.triage_opportunities, me),
        creates=me is not None and allowed(Action.create_improvement, me),
        manages_strategy=me is not None and allowed(Action.manage_strategy, me),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def as_json(data: BaseModel | list[Any] | dict[str, Any], status_code: int = 200) -> Response:
    return Response(to_json(data), status_code=status_code, media_type="application/json")


def say(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page this person sees (kind ``ok``, ``warning`` or ``error``)."""
    request.session.setdefault("messages", []).append({"kind": kind, "text": message})


@contextmanager
def refusal_said(request: Request, *also: type[Exception]) -> Iterator[None]:
    """A form's act refused (or one of ``also``, e.g. a number that does not parse) is said on
    the page the form goes back to, in its first line: the lines after it are the terminal's
    hints. Not being allowed is not a refusal to say: it stays the 403 page."""
    refusals: tuple[type[Exception], ...] = (ImproveError, *also)
    try:
        yield
    except NotAuthorised:
        raise
    except refusals as refused:
        say(request, str(refused).splitlines()[0], "error")


def back(to: str, anchor: str = "") -> RedirectResponse:
    """After a form: to the page it came from (303, so a reload does not send it again)."""
    return RedirectResponse(to + (f"#{anchor}" if anchor else ""), status_code=303)


def sign_in_url(next_path: str) -> str:
    return f"/sign-in?next={quote(next_path, safe='/')}"


# A number as people type it in a form: thousands grouped by commas allowed ("12,500.50"); a
# comma anywhere else is refused rather than guessed ("1,5" may mean one and a half).
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def form_number(field: str, text: str) -> float:
    """A form field's number, finite; one error naming the field otherwise."""
    typed = text.strip()
    plain = typed.replace(",", "") if _GROUPED.match(typed) else typed
    try:
        number = float(plain)
    except ValueError:
        raise UsageError(f"{field}: {typed!r} is not a number") from None
    if not math.isfinite(number):
        raise UsageError(f"{field}: {typed!r} is not a number")
    return number
