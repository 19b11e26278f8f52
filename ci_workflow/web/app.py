"""The workspace application: its pages, signed session cookies, security headers, and one way
to answer every error (a page, or JSON under ``/api``)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ci_workflow.errors import ImproveError, NotAuthorised, NotFound
from ci_workflow.orchestration import configure_prefect
from ci_workflow.resources import resource_path
from ci_workflow.services.people import identity
from ci_workflow.settings import get_settings, secret_key
from ci_workflow.web.auth import Forbidden, SignInRequired
from ci_workflow.web.limits import BodyLimit
from ci_workflow.web.pages import (
    account,
    apply,
    board,
    improvement,
    improvement_file,
    improvement_form,
    opportunities,
    people,
    practice,
    register,
    tokens,
    work,
)
from ci_workflow.web.pages.discussion import attachments, comments
from ci_workflow.web.pages.improvement_acts import values, withdrawal
from ci_workflow.web.pages.intake import connections
from ci_workflow.web.pages.strategy import benefits, portfolio
from ci_workflow.web.pages.strategy import edit as strategy_edit
from ci_workflow.web.pages.strategy import plan as portfolio_plan
from ci_workflow.web.render import as_json, page, say, sign_in_url

log = logging.getLogger("ci_workflow.web")

# No script runs on any page (there is none); styles and the charts' SVG are inline.
POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)


def create_app() -> FastAPI:
    settings = get_settings()
    configure_prefect()  # decisions resume flow runs from this warm process
    identity.prepare()  # an unknown address's sign-in then costs what a known one's does
    app = FastAPI(
        title="Continual improvement workspace",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    # improvement_file and _form before improvement: /improvements/{ref} would take
    # IMP-0001.yaml and new.
    pages = [account, tokens, work, register, improvement_file, improvement_form, improvement]
    pages += [opportunities, practice, people, apply, board, values, withdrawal]
    pages += [comments, attachments]  # the talk about an improvement
    pages += [portfolio, strategy_edit, portfolio_plan]
    pages += [connections]  # ITSM tools the register reads
    pages += [benefits]  # an improvement's benefits: record, validate
    for module in pages:
        app.include_router(module.router)
    app.middleware("http")(_security_headers)
    app.add_middleware(
        SessionMiddleware,
        # Its own key, derived from the register's secret: a session cookie signs nothing else.
        secret_key=hmac.new(secret_key(), b"session cookies", hashlib.sha256).hexdigest(),
        session_cookie="improve_session",
        same_site="lax",
        https_only=settings.workspace_url.startswith("https://"),
    )
    app.add_middleware(BodyLimit)
    app.add_exception_handler(SignInRequired, _sign_in_required)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(ImproveError, _improve_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    app.get("/static/workspace.css", include_in_schema=False)(_stylesheet)
    app.get("/healthz", include_in_schema=False)(_healthz)
    return app


def _healthz() -> Response:
    """For `improve doctor`, a load balancer or a monitor: the workspace answers (no sign-in,
    nothing read from the register)."""
    return as_json({"status": "ok"}, 200)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if request.url.path.startswith("/api") or "text/html" in response.headers.get(
        "content-type", ""
    ):
        response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


def _stylesheet() -> Response:
    css = (resource_path("templates") / "web" / "workspace.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _sign_in_required(request: Request, error: SignInRequired) -> Response:
    if _wants_json(request):
        return as_json({"error": str(error)}, 401)
    if get_settings().web_auth == "proxy":
        return page(request, "error.html", None, 401, title="Not signed in", message=str(error))
    say(request, str(error), "error")
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(sign_in_url(next_path), status_code=303)


def _forbidden(request: Request, error: Forbidden) -> Response:
    return _error(request, 403, "Refused", str(error))


def _improve_error(request: Request, error: ImproveError) -> Response:
    status = (
        403 if isinstance(error, NotAuthorised) else 404 if isinstance(error, NotFound) else 400
    )
    title = {403: "Not allowed", 404: "Not found"}.get(status, "Cannot do that")
    return _error(request, status, title, str(error))


def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    return _error(request, error.status_code, "Error", str(error.detail))


def _unexpected(request: Request, error: Exception) -> Response:
    """A bug: logged with its traceback here, one line for the person (nothing of the inside)."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return _error(request, 500, "Something went wrong", "an unexpected error; it is logged")


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if _wants_json(request):
        return as_json({"error": message}, status)
    return page(request, "error.html", None, status, title=title, message=message)


def serve(host: str, port: int, workers: int = 1) -> None:
    """Run the workspace under uvicorn until stopped (``improve web``). Forwarded headers are
    read by ``auth`` (``client_address``), not by uvicorn: uvicorn's would put the address a
    proxy forwards in place of the proxy's own, which is what decides whether it is trusted.

    Several ``workers`` (processes, each its own ``create_app``) share nothing but the register:
    sessions live there and in signed cookies, the CSRF token in the signed cookie, so a person
    may be answered by any of them; each keeps its own copy of the figures it caches."""
    import uvicorn

    uvicorn.run(
        create_app() if workers == 1 else "ci_workflow.web.app:create_app",
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
    )
