""" "Sync now" from the workspace: a run of the scheduled sync (``sync-itsm``) for one connection,
started through the ``Runs`` port, never the sync itself inside a web request (it may read for
minutes). The register keeps the run asked for (``sync_run_id``), so the Connections page shows
it queued or running and a second "Sync now" is refused while it is; its result is the sync's
own, kept on the tables' sync rows as any sync's, and the run forgets itself once it is done (a
run that crashed before is seen ended in Prefect). The CLI's ``improve connections sync`` still
syncs in the foreground (``connection_sync``).
"""

from __future__ import annotations

from pydantic import BaseModel

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.clock import utcnow
from ci_workflow.errors import AlreadyExists, ImproveError, OrchestratorUnavailable
from ci_workflow.services.intake.connection_sync import said, sync_connection
from ci_workflow.services.intake.connections import (
    AskedSync,
    ConnectionOut,
    check_manager,
    list_connections,
    named_connection,
)
from ci_workflow.services.lifecycle.runs import Runs, RunState
from ci_workflow.services.people.refusals import refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake import connections as store

# Prefect's state types of a run not yet taken by a worker; any other unfinished one runs.
QUEUED = ("SCHEDULED", "PENDING")


class SyncStarted(BaseModel):
    connection: str
    flow_run_id: str
    state: str = "queued"


def ask_sync(name: str, *, actor: Actor, runs: Runs) -> SyncStarted:
    """A CI manager's "Sync now": refused before anything starts to anyone else, and while the
    connection's last one is queued or running; Prefect unreachable, nothing is recorded."""
    with refusing(actor), transaction(write=False) as session:
        check_manager(actor)
        before = named_connection(session, name).sync_run_id
    if before is not None:
        progress = _progress(runs.state(before))
        if progress != "ended":
            raise AlreadyExists(f"a sync is already {progress}; wait until it ends")
    started = runs.start_sync(name)
    with transaction() as session:
        connection = named_connection(session, name)
        clash = connection.sync_run_id != before  # another "Sync now" recorded its run meanwhile
        if not clash:
            connection.sync_run_id, connection.sync_asked_at = started, utcnow()
            connection.sync_asked_by = actor.name
            record_act(
                session,
                actor,
                improvement_id=None,
                action="connection_sync_asked",
                detail=f"{name}: flow run {started} of sync-itsm",
            )
    if clash:  # one run is enough: this one goes, the other is kept
        runs.cancel(started)
        raise AlreadyExists("another sync was asked for at the same moment; it is queued")
    return SyncStarted(connection=name, flow_run_id=started)


def sync_asked(name: str, *, actor: Actor, flow_run_id: str | None = None) -> list[str]:
    """The run a "Sync now" started (``flow_run_id``): that connection, whether or not its
    period has passed; a failure said and kept on its tables, never raised (as the scheduled
    sync's). Done, the run is forgotten: the page asks Prefect only of runs not yet done."""
    try:
        done = sync_connection(name, actor=actor)
        lines = [f"{name}: " + "; ".join(said(t) for t in done.tables)]
    except ImproveError as error:
        lines = [f"{name}: failed, nothing written: {error}"]
    with transaction() as session:
        connection = store.by_name(session, name)
        if connection is not None and connection.sync_run_id == flow_run_id:
            connection.sync_run_id = connection.sync_asked_at = connection.sync_asked_by = None
    return lines


def connections_now(runs: Runs) -> list[ConnectionOut]:
    """Every connection (``list_connections``), each with its last "Sync now" and where that
    run stands in Prefect, while the run has not forgotten it; "unknown" when Prefect cannot be
    reached."""
    connections = list_connections()
    with transaction(write=False) as session:
        asked = {c.name: c for c in store.every_connection(session) if c.sync_run_id}
    for connection in connections:
        row = asked.get(connection.name)
        if row is None or row.sync_run_id is None or row.sync_asked_at is None:
            continue
        try:
            state = runs.state(row.sync_run_id)
            progress, state_name = _progress(state), state.name
        except OrchestratorUnavailable:
            progress, state_name = "unknown", "Prefect cannot be reached"
        connection.asked = AskedSync(
            flow_run_id=row.sync_run_id,
            asked_at=row.sync_asked_at,
            asked_by=row.sync_asked_by or "",
            progress=progress,
            state=state_name,
        )
    return connections


def _progress(state: RunState) -> str:
    if state.is_final:
        return "ended"
    return "queued" if state.type in QUEUED else "running"
