"""Connections to ITSM tools (``improve connections add|set|remove|list|test``), registered once.

A connection names its tool (``kind``, ``itsm.kinds``), its URL, the user it reads as, a secret
(kept in the register, never shown), the mapping of the tool's fields onto incident, change,
problem and SLA records (the tool's own names by default, its kind's ``mapping``) and how often
it syncs.
Only a CI manager adds, removes, tests or syncs one; anyone may list them, secrets masked.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ci_workflow.domain.authority.actors import Actor
from ci_workflow.domain.authority.permissions import Action, allowed
from ci_workflow.domain.improvement.validation import describe_errors
from ci_workflow.domain.records.change_mapping import ChangeMapping
from ci_workflow.domain.records.incident_mapping import IncidentMapping
from ci_workflow.domain.records.itsm_sync import every_minutes, every_text
from ci_workflow.domain.records.problem_mapping import ProblemMapping
from ci_workflow.domain.records.sla_mapping import SlaMapping
from ci_workflow.domain.redact import MASK, redact_url
from ci_workflow.domain.strict_yaml import load_mapping
from ci_workflow.errors import AlreadyExists, NotFound, UsageError, ValidationFailed
from ci_workflow.services.intake.itsm.kinds import KINDS, auths, kind_of
from ci_workflow.services.people.refusals import Refused, refusing
from ci_workflow.store.audit import record_act
from ci_workflow.store.db import transaction
from ci_workflow.store.intake import connections as store
from ci_workflow.store.intake.connections import ItsmConnection

Mapping = IncidentMapping | ChangeMapping | ProblemMapping | SlaMapping
REFUSED = "only a CI manager manages connections to ITSM tools"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What each kind of record is read with: its import mapping.
MODELS: dict[str, type[Mapping]] = {
    "incidents": IncidentMapping,
    "changes": ChangeMapping,
    "problems": ProblemMapping,
    "slas": SlaMapping,
}
# The connector writes the rows it reads as this CSV: the mapping does not choose these.
FIXED = {
    "timestamp_format": "%Y-%m-%d %H:%M:%S",
    "missing": "",
    "delimiter": ",",
    "encoding": "utf-8",
}


class TableSync(BaseModel):
    table: str
    records: str  # what it becomes: incidents, changes
    cursor: str | None  # the last update time read (UTC)
    tried_at: datetime | None
    synced_at: datetime | None
    imported: int
    updated: int
    left_out: int
    more: bool  # the last sync stopped at its bound; the next reads on
    error: str | None
    # The last try wrote nothing (its error says why); a sync that wrote may still leave a note
    # in ``error`` (a deletion listing too short to believe).
    failed: bool
    deleted: int  # records from it the tool no longer has, as last listed
    reconciled_at: datetime | None  # when its ids were last listed


class AskedSync(BaseModel):
    """The last "Sync now": its run of the sync-itsm deployment and where that run stands."""

    flow_run_id: str
    asked_at: datetime
    asked_by: str
    progress: str  # queued, running, ended, or unknown (Prefect cannot be reached)
    state: str  # Prefect's name for it: Scheduled, Late, Running, Completed, Crashed...


class ConnectionOut(BaseModel):
    name: str
    kind: str
    url: str
    user: str | None
    auth: str  # basic (the user's password) or oauth (the user is an OAuth client id)
    secret: str | None  # "***" when one is kept; never the secret
    every: str | None
    tables: list[TableSync]
    # Why the last sync failed as a whole (the same error on every table that has one), and
    # when: said once for the connection rather than on each table.
    error: str | None = None
    error_at: datetime | None = None
    asked: AskedSync | None = None


def table_mappings(text: str, source: str, kind: str) -> dict[str, Mapping]:
    """Each table's mapping from a connection's mapping YAML; every problem named with it."""
    return _sections(text, source, kind)[0]


def table_options(text: str, source: str, kind: str) -> dict[str, dict[str, str]]:
    """Each table's options for the connector (its kind's ``options``: Jira's ``jql``)."""
    return _sections(text, source, kind)[1]


def _sections(
    text: str, source: str, kind: str
) -> tuple[dict[str, Mapping], dict[str, dict[str, str]]]:
    data = load_mapping(text, source=source)
    tables, options = kind_of(kind).tables, kind_of(kind).options
    unknown = sorted(set(data) - set(tables))
    if unknown or not data:
        known = ", ".join(tables)
        raise ValidationFailed(source, [f"{source}: name the tables to read among {known}"])
    found: dict[str, Mapping] = {}
    chosen: dict[str, dict[str, str]] = {}
    for table, records in tables.items():
        if table not in data:
            continue
        model = MODELS[records]
        given = dict(data[table]) if isinstance(data[table], dict) else {}
        chosen[table] = {}
        for key in set(options) & set(given):
            try:
                chosen[table][key] = options[key](given.pop(key))
            except ValueError as error:
                raise ValidationFailed(source, [f"{source}: {table}.{key}: {error}"]) from None
        fixed = FIXED | ({"layout": "one_row"} if model is IncidentMapping else {})
        try:
            found[table] = model.model_validate(given | fixed)
        except ValidationError as error:
            lines = [f"{source}: {table}.{line}" for line in describe_errors(error)]
            raise ValidationFailed(source, lines) from None
    return found, chosen


def check_manager(actor: Actor) -> None:
    if actor.person is not None and not allowed(Action.manage_connections, actor.person):
        raise Refused(REFUSED)


def add_connection(
    name: str,
    *,
    kind: str,
    url: str,
    actor: Actor,
    user: str | None = None,
    secret: str | None = None,
    mapping: Path | None = None,
    every: str | None = None,
    auth: str = "basic",
) -> ConnectionOut:
    """Register a connection; its mapping and URL checked first, nothing kept on a problem."""
    check_form(name, kind, url)
    check_credentials(kind, auth, user, secret)
    check_lengths(user, secret)
    try:
        minutes = every_minutes(every) if every else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    text = read_mapping(mapping) if mapping else kind_of(kind).mapping
    table_mappings(text, str(mapping or f"the default {kind_of(kind).label} mapping"), kind)
    with refusing(actor), transaction() as session:
        check_manager(actor)
        if store.by_name(session, name) is not None:
            raise AlreadyExists(f"a connection named {name} exists: remove it first")
        connection = store.add(
            session,
            ItsmConnection(
                name=name,
                kind=kind,
                url=url.rstrip("/"),
                username=user,
                secret=secret or None,
                auth=auth,
                mapping=text,
                every_minutes=minutes,
                created_by=actor.name,
            ),
        )
        detail = f"{name}: {kind} at {redact_url(connection.url)}"
        record_act(session, actor, improvement_id=None, action="connection_added", detail=detail)
        return shown(connection, {})


def remove_connection(name: str, *, actor: Actor) -> None:
    """Forget a connection and its cursors; the records it brought stay."""
    with refusing(actor), transaction() as session:
        check_manager(actor)
        connection = named_connection(session, name)
        store.remove(session, connection)
        record_act(session, actor, improvement_id=None, action="connection_removed", detail=name)


def list_connections() -> list[ConnectionOut]:
    with transaction(write=False) as session:
        return [shown(c, store.syncs(session, c.id or 0)) for c in store.every_connection(session)]


def shown(connection: ItsmConnection, syncs: dict[str, Any]) -> ConnectionOut:
    tables = table_mappings(connection.mapping, connection.name, connection.kind)
    records = kind_of(connection.kind).tables
    rows = []
    for table in tables:
        row = syncs.get(table)
        rows.append(
            TableSync(
                table=table,
                records=records[table],
                cursor=row.cursor_at if row else None,
                tried_at=row.tried_at if row else None,
                synced_at=row.synced_at if row else None,
                imported=row.rows_imported if row else 0,
                updated=row.rows_updated if row else 0,
                left_out=row.rows_left_out if row else 0,
                more=row.more if row else False,
                error=row.error if row else None,
                failed=bool(row and row.error and row.synced_at != row.tried_at),
                deleted=row.rows_deleted if row else 0,
                reconciled_at=row.reconciled_at if row else None,
            )
        )
    common = shared_error(rows)
    return ConnectionOut(
        name=connection.name,
        kind=connection.kind,
        url=redact_url(connection.url),
        user=connection.username,
        auth=connection.auth,
        secret=MASK if connection.secret else None,
        every=every_text(connection.every_minutes) if connection.every_minutes else None,
        tables=rows,
        error=common,
        error_at=max(
            (r.tried_at for r in rows if common and r.error == common and r.tried_at), default=None
        ),
    )


def shared_error(tables: list[TableSync]) -> str | None:
    """The error every failed table shares, when it is the whole sync's: on all its tables, or
    at least two of them; None when tables failed each their own way."""
    failed = [t.error for t in tables if t.failed]
    if len(set(failed)) != 1 or (len(failed) < 2 and len(failed) < len(tables)):
        return None
    return failed[0]


def named_connection(session: Any, name: str) -> ItsmConnection:
    connection = store.by_name(session, name)
    if connection is None:
        raise NotFound(f"no connection named {name} (improve connections list)")
    return connection


def check_form(name: str, kind: str, url: str) -> None:
    if not NAME.match(name):
        raise UsageError(f"NAME: {name!r}: lower-case letters, digits, - and _ (at most 64)")
    if kind not in KINDS:
        raise UsageError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    if not re.match(r"^https?://[^/@\s]+(/[^\s]*)?$", url) or len(url) > 400:
        raise UsageError(f"--url: {redact_url(url)!r} is not an http(s) URL without a password")


def check_credentials(kind: str, auth: str, user: str | None, secret: str | None) -> None:
    """A secret goes with a user; an OAuth client has both (its id as ``--user``)."""
    if auth not in auths(kind):
        raise UsageError(f"--auth: {auth!r} is not one of {', '.join(auths(kind))} for {kind}")
    if auth == "oauth" and not (user and secret):
        raise UsageError("--auth oauth: give the client id as --user and its secret on stdin")
    check_secret = kind_of(kind).check_secret
    if check_secret is not None:
        check_secret(user, secret)
    elif secret and not user and not kind_of(kind).token_alone:
        raise UsageError("--secret-stdin: a secret is the password of a --user; name the user")


def check_lengths(user: str | None, secret: str | None) -> None:
    if len(user or "") > 200 or len(secret or "") > 1000:
        raise UsageError("--user is at most 200 characters, the secret at most 1,000")


def read_mapping(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationFailed(str(path), [f"{path}: cannot read: {error}"]) from None
