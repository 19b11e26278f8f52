"""Changing a connection in place (``improve connections set NAME``, the Connections page,
``PATCH /api/connections/NAME``): its URL, user, secret, mapping or period.

What is given is checked as ``add`` checks it, and nothing changes on a problem. Where each
table's sync stands is kept, except where the change means the records read so far are not
the ones the next sync should build on: a new URL (maybe another instance) starts every table
from the beginning; a table whose mapping changed starts from the beginning (its records are
read again and mapped anew, upserted by number); a table newly read starts from the beginning
as any new table does; a table no longer read keeps its sync row, so it reads on from its
cursor if it is mapped again. The audit trail says which fields changed, never the secret.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.records.itsm_sync import every_minutes, every_text
from ci_workflow.domain.redact import redact_url
from ci_workflow.errors import UsageError
from ci_workflow.services.intake.connections import (
    ConnectionOut,
    Mapping,
    check_credentials,
    check_form,
    check_lengths,
    check_manager,
    named_connection,
    shown,
    table_mappings,
)
from ci_workflow.services.people.refusals import refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake import connections as store
from ci_workflow.store.intake.connections import ItsmConnection

OFF = "off"


class ConnectionChange(BaseModel):
    """What to change; a field left out (None) stays as it is. ``every: off``: on demand only."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field is refused, not ignored

    url: str | None = None
    user: str | None = None
    secret: str | None = None
    mapping: str | None = Field(default=None, max_length=200_000)  # the YAML itself
    every: str | None = None
    auth: str | None = None  # basic or oauth


def change_connection(
    name: str, change: ConnectionChange, *, actor: Actor, mapping_source: str = "--mapping"
) -> tuple[ConnectionOut, list[str]]:
    """Change what ``change`` gives; the connection as it is now, and what changed (the
    lines the audit trail keeps)."""
    if all(v is None for v in change.model_dump().values()):
        raise UsageError(
            "nothing to change: give --url, --user, --secret-stdin, --auth, --mapping or --every"
        )
    check_lengths(change.user, change.secret)
    minutes = _minutes(change.every)
    with refusing(actor), transaction() as session:
        check_manager(actor)
        connection = named_connection(session, name)
        url = (change.url or connection.url).rstrip("/")
        check_form(name, connection.kind, url)
        user = connection.username if change.user is None else change.user or None
        secret = connection.secret if change.secret is None else change.secret or None
        auth = change.auth or connection.auth
        check_credentials(connection.kind, auth, user, secret)
        before = table_mappings(connection.mapping, name, connection.kind)
        text = connection.mapping if change.mapping is None else change.mapping
        after = table_mappings(text, mapping_source, connection.kind)
        said = _changes(connection, change, url, user, minutes)
        if auth != connection.auth:
            said.insert(0, f"auth {auth}")
        moved = url != connection.url
        if not said:
            raise UsageError(f"{name}: nothing changed: every value given is the one it has")
        connection.url, connection.username, connection.mapping = url, user, text
        connection.secret, connection.auth = secret, auth
        if change.every is not None:
            connection.every_minutes = minutes
        rows = store.syncs(session, connection.id or 0)
        restarted = [
            t
            for t in _restarted(before, after, moved)
            if t in rows and rows[t].cursor_at is not None
        ]
        for table in restarted:
            store.restart(rows[table])
        if restarted:
            said.append("read again from the beginning: " + ", ".join(restarted))
        session.add(connection)
        detail = f"{name}: " + "; ".join(said)
        record_act(session, actor, improvement_id=None, action="connection_changed", detail=detail)
        return shown(connection, rows), said


def _minutes(every: str | None) -> int | None:
    if every is None or every == OFF:
        return None
    try:
        return every_minutes(every)
    except ValueError as error:
        raise UsageError(f"{error} (or off)") from None


def _changes(
    connection: ItsmConnection,
    change: ConnectionChange,
    url: str,
    user: str | None,
    minutes: int | None,
) -> list[str]:
    """Each field that changes, said without the secret."""
    said = []
    if url != connection.url:
        said.append(f"url {redact_url(url)}")
    if user != connection.username:
        said.append(f"user {user or 'none'}")
    if change.secret is not None and (change.secret or None) != connection.secret:
        said.append("secret")
    if change.mapping is not None and change.mapping != connection.mapping:
        said.append("mapping")
    if change.every is not None and minutes != connection.every_minutes:
        said.append(f"every {every_text(minutes) if minutes else OFF}")
    return said


def _restarted(before: dict[str, Mapping], after: dict[str, Mapping], moved: bool) -> list[str]:
    """The tables still read whose cursors no longer hold: all on a new URL, else those whose
    mapping changed. (A table newly read has no cursor yet.)"""
    return [t for t in after if t in before and (moved or after[t] != before[t])]
