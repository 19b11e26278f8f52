"""Connections to ITSM tools (``/connections``, JSON at ``/api/connections``; a CI manager's):
each connection's tool, URL and user (its secret never), and per table the last sync, the rows
it wrote, how far behind the register is, and why the last sync failed. "Sync now" reads what
changed since, as ``improve connections sync`` does."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import ImproveError, NotAuthorised
from ci_workflow.services.intake.connection_changes import ConnectionChange, change_connection
from ci_workflow.services.intake.connection_sync import sync_connection
from ci_workflow.services.intake.connections import list_connections
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
    return page(
        request, "connections.html", actor, connections=list_connections(), now=now, since=since
    )


@router.get("/api/connections")
def listing_json(actor: Viewer) -> Response:
    """Every connection to an ITSM tool (a CI manager): its tool, URL and user, its secret
    masked as `***`, and per table the cursor, the last sync and its rows, and the last error."""
    _manager(actor)
    return as_json(list_connections())


@router.post("/connections/{name}/sync")
def sync_now(request: Request, name: str, actor: Viewer, csrf: Text = "") -> Response:
    check_csrf(request, csrf, actor)
    try:
        done = sync_connection(name, actor=actor)
    except NotAuthorised:
        raise
    except ImproveError as failed:
        say(request, f"{name}: the sync failed, nothing was written: {failed}", "error")
        return back("/connections")
    counts = "; ".join(
        f"{t.table}: {t.imported} new, {t.updated} updated"
        + (f", {t.deleted} deleted in the tool" if t.deleted else "")
        for t in done.tables
    )
    say(request, f"{name} synced: {counts}.")
    return back("/connections")


@router.post("/api/connections/{name}/sync")
def sync_json(name: str, actor: Writer) -> Response:
    """Syncs the connection now (a CI manager): what changed since its last sync, all tables
    or nothing; answers each table's rows read, new and updated. A failure is 4xx with why."""
    return as_json(sync_connection(name, actor=actor))


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
