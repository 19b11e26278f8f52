"""Connections to ITSM tools (``/connections``, JSON at ``/api/connections``; a CI manager's):
each connection's tool, URL and user (its secret never), and per table the last sync, the rows
it wrote, how far behind the register is, and why the last sync failed (once for the connection
when the whole sync failed). "Sync now" starts a run of the scheduled sync for that connection
(``sync_requests``) and comes straight back: the page shows it queued, running, then its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import ImproveError, NotAuthorised
from ci_workflow.orchestration.runs import PrefectRuns
from ci_workflow.services.intake.connection_changes import ConnectionChange, change_connection
from ci_workflow.services.intake.sync_requests import ask_sync, connections_now
from ci_workflow.services.people.refusals import require
from ci_workflow.web.auth import api_writer, check_csrf, viewer
from ci_workflow.web.render import as_json, back, page, refusal_said, say

router = APIRouter()
Viewer = Annotated[Actor, Depends(viewer)]
Writer = Annotated[Actor, Depends(api_writer)]
Text = Annotated[str, Form(max_length=4000)]


def _manager(actor: Actor) -> None:
    may = actor.person is not None and allowed(Action.manage_connections, actor.person)
    require(may, actor, f"{actor.name} may not see connections: only a CI manager may")


def since(moment: datetime | None, now: datetime) -> str:
    """How long ago, rounded: ``4 min``, ``3 h``, ``2 d``."""
    if moment is None:
        return "never"
    minutes = max(0, round((now - moment).total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{round(minutes / 60)} h ago" if minutes < 48 * 60 else f"{round(minutes / 1440)} d ago"


@router.get("/connections", response_class=HTMLResponse)
def listing(request: Request, actor: Viewer) -> Response:
    _manager(actor)
    now = utcnow()
    connections = connections_now(PrefectRuns())
    return page(request, "connections.html", actor, connections=connections, now=now, since=since)


@router.get("/api/connections")
def listing_json(actor: Viewer) -> Response:
    """Every connection to an ITSM tool (a CI manager): its tool, URL and user, its secret
    masked as `***`, per table the cursor, the last sync and its rows, and the last error;
    `error`, the error of a sync that failed as a whole; `asked`, the last "Sync now" and its
    `progress` (queued, running, ended, unknown)."""
    _manager(actor)
    return as_json(connections_now(PrefectRuns()))


@router.post("/connections/{name}/sync")
def sync_now(request: Request, name: str, actor: Viewer, csrf: Text = "") -> Response:
    check_csrf(request, csrf, actor)
    try:
        started = ask_sync(name, actor=actor, runs=PrefectRuns())
    except NotAuthorised:
        raise
    except ImproveError as refused:
        say(request, f"{name}: no sync started: {refused}", "error")
        return back("/connections", name)
    say(request, f"{name}: sync queued; this page shows it running, then its result.")
    return back("/connections", started.connection)


@router.post("/api/connections/{name}/sync")
def sync_json(name: str, actor: Writer) -> Response:
    """Starts a sync of the connection (a CI manager) as a run of the `sync-itsm` deployment
    and answers at once, 202 with its `flow_run_id`; `GET /api/connections` shows it queued,
    running, then the sync's rows or error. 400 with why, nothing started, while the
    connection's last one is queued or running, or when Prefect cannot be reached."""
    return as_json(ask_sync(name, actor=actor, runs=PrefectRuns()), status_code=202)


@router.post("/connections/{name}")
def change(
    request: Request,
    name: str,
    actor: Viewer,
    csrf: Text = "",
    secret: Annotated[str, Form(max_length=1000)] = "",
    every: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """A new secret (left empty: kept) and the period (empty: on demand)."""
    check_csrf(request, csrf, actor)
    wanted = ConnectionChange(secret=secret or None, every=every.strip() or "off")
    with refusal_said(request):
        _, said = change_connection(name, wanted, actor=actor, mapping_source="mapping")
        say(request, f"{name} changed: {'; '.join(said)}.")
    return back("/connections", name)


@router.patch("/api/connections/{name}")
def change_json(name: str, wanted: ConnectionChange, actor: Writer) -> Response:
    """Changes the connection in place (a CI manager): any of `url`, `user`, `secret`, `auth`,
    `mapping` (the YAML) and `every` (`15m`, `off`); a field left out stays. Answers the
    connection (its secret masked) and `changed`, what changed; the cursors kept except for
    tables read anew (a new URL, a table whose mapping changed)."""
    connection, said = change_connection(name, wanted, actor=actor, mapping_source="mapping")
    return as_json({"connection": connection.model_dump(mode="json"), "changed": said})
