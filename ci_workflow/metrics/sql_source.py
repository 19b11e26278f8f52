"""``kind: sql``: one number from one query, run so that it can neither write nor reach beyond
the database it names.

Bound parameters ``:window_start``, ``:window_end`` and ``:as_of`` are UTC datetimes (naive); on
SQLite they arrive as text ``YYYY-MM-DD HH:MM:SS``.

- Exactly one statement: SQLite's driver runs one; PostgreSQL gets the query through the extended
  protocol (``binary=True``), which refuses several.
- SQLite: the file opened read-only, ``query_only`` on, and an authorizer that allows reading and
  nothing else (no ATTACH, no PRAGMA, no VACUUM INTO, no extension loading); the file must lie
  inside the data roots (``metrics.access``).
- PostgreSQL: a READ ONLY transaction begun before the query, which one statement cannot end and
  write after; a statement timeout; a client-side deadline that cancels the query however it set
  its own timeouts; a short connect timeout; a role refused that is a superuser or a member of
  a role that runs programs or reaches the server's files (``COPY ... TO PROGRAM``); and no
  credential of the worker's (PGPASSWORD, ~/.pgpass): only the URL's password or the one the
  operator registered in IMPROVE_SOURCE_PASSFILE. Give sources a reader role
  (docs/production.md).
- MySQL/MariaDB: a READ ONLY transaction.
A password never appears in what a failure says.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from ci_workflow.domain.improvement.sources import SqlSource
from ci_workflow.domain.measures.window import Window
from ci_workflow.metrics import MetricError, finite
from ci_workflow.metrics.access import readable_file
from ci_workflow.settings import get_settings, normalise_database_url
from ci_workflow.store.db import cached_engine

# SQLite authorizer answers and the actions a read needs (sqlite3 module constants).
_READS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
# Roles whose members can run programs or read and write files on the database server (COPY
# ... TO PROGRAM, pg_read_file): a source connecting as one, or as a superuser, is refused.
_SERVER_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")
# Membership counts directly or through other roles, with or without INHERIT (SET ROLE works
# inside a read-only transaction), for the login role and the role it may have set.
_POWERFUL_ROLE = f"""
SELECT EXISTS (
    SELECT 1 FROM pg_roles r
    WHERE (r.rolsuper OR r.rolname IN {_SERVER_ROLES!r})
      AND (pg_has_role(session_user, r.oid, 'MEMBER') OR pg_has_role(current_user, r.oid, 'MEMBER'))
)"""
# A path that cannot exist (/dev/null is no folder): libpq finds no file there, and says nothing.
_NO_FILE = "/dev/null/none"
_FILE_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
CONNECT_SECONDS = 10


def read(source: SqlSource, window: Window) -> float:
    url = make_url(normalise_database_url(source.url))
    params: dict[str, Any] = window.parameters()
    try:
        backend = url.get_backend_name()
        if backend == "sqlite":
            rows = _sqlite(url, source.query, params, source.timeout)
        elif backend == "postgresql":
            rows = _postgres(url, source.query, params, source.timeout)
        else:
            rows = _other(url, source.query, params, source.timeout)
    except SQLAlchemyError as error:
        raise MetricError(_scrub(_reason(error), url)) from None
    if len(rows) != 1 or len(rows[0]) != 1:
        got = "no row" if not rows else "several rows" if len(rows) > 1 else "several columns"
        raise MetricError(f"the query must return one row with one column, got {got}")
    return finite(rows[0][0])


def _sqlite(url: URL, query: str, params: dict[str, Any], timeout: float) -> list[Any]:
    settings = get_settings()
    path = readable_file(url.database or "", settings.roots, 10**15)  # a database may be large
    as_text = {k: v.strftime("%Y-%m-%d %H:%M:%S") for k, v in params.items()}
    deadline = time.monotonic() + timeout
    connection = _sqlite_connection(str(path), timeout)
    # Returning non-zero from the progress handler interrupts the statement.
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        return connection.execute(query, as_text).fetchmany(2)
    except sqlite3.Error as error:
        raise MetricError(
            str(error).splitlines()[0] if str(error) else type(error).__name__
        ) from None
    finally:
        connection.set_progress_handler(None, 0)


_open = threading.local()
_KEPT_PER_THREAD = 16


def _sqlite_connection(path: str, timeout: float) -> sqlite3.Connection:
    """A read-only connection to ``path``, kept per thread: its warm page cache is what makes a
    capture of thousands of queries over one file fast (a new connection reads it again). A
    file replaced by another at the same path (a new inode) gets a new connection."""
    kept: dict[tuple[str, int, int], sqlite3.Connection]
    kept = _open.__dict__.setdefault("connections", {})
    found = os.stat(path)
    key = (path, found.st_dev, found.st_ino)
    if key not in kept:
        if len(kept) >= _KEPT_PER_THREAD:
            kept.pop(next(iter(kept))).close()
        # The path percent-encoded, so SQLite opens exactly the file checked: a name holding
        # ``%2F``, ``?`` or ``#`` is that file, never a decoded path or another open mode.
        uri = f"{Path(path).as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=timeout)
        connection.execute("PRAGMA query_only = ON")
        connection.set_authorizer(_reads_only)  # after the pragma: it denies pragmas
        kept[key] = connection
    return kept[key]


def _reads_only(action: int, name: str | None, *_: Any) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (name or "").lower() in _FILE_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK if action in _READS else sqlite3.SQLITE_DENY


def _postgres(url: URL, query: str, params: dict[str, Any], timeout: float) -> list[Any]:
    engine = _engine(url)
    statement = str(text(query).compile(dialect=engine.dialect))  # :name binds as %(name)s
    with engine.connect() as wrapper:
        connection: Any = wrapper.connection.driver_connection
        cancel = threading.Timer(timeout + 1, connection.cancel_safe)
        cancel.start()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
                cursor.execute(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
                cursor.execute(_POWERFUL_ROLE)
                if cursor.fetchone() == (True,):
                    raise MetricError(
                        "the source connects as a role that can run programs or reach files on "
                        "the database server (a superuser, or a member of "
                        f"{', '.join(_SERVER_ROLES)}): give it a reader role (docs/production.md)"
                    )
                try:
                    cursor.execute(statement, params, binary=True)  # one statement, no more
                except Exception as error:
                    if "cancel" in str(error).lower():
                        raise MetricError(f"timed out after {timeout:g} s") from None
                    raise MetricError(_scrub(str(error).splitlines()[0], url)) from None
                if cursor.description is None:
                    raise MetricError("the query returned no rows (it was not a SELECT)")
                return list(cursor.fetchmany(2))
        finally:
            cancel.cancel()
            connection.rollback()


def _other(url: URL, query: str, params: dict[str, Any], timeout: float) -> list[Any]:
    """MySQL and MariaDB: a READ ONLY transaction, rolled back."""
    with _engine(url).connect() as connection:
        connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        try:
            return list(connection.execute(text(query), params).fetchmany(2))
        finally:
            connection.rollback()


def _engine(url: URL) -> Engine:
    connect: dict[str, Any] = {"connect_timeout": CONNECT_SECONDS}
    if url.get_backend_name() == "postgresql":
        connect |= _own_credentials_only(url)
    key = f"source:{url.render_as_string(hide_password=False)}:{sorted(connect.items())}"
    return cached_engine(key, lambda: create_engine(url, pool_pre_ping=True, connect_args=connect))


def _own_credentials_only(url: URL) -> dict[str, str]:
    """libpq fills in what a URL leaves out from the process that connects: PGPASSWORD, the
    PGPASSFILE or ~/.pgpass, client certificates in ~/.postgresql, Kerberos tickets. A source
    uses the password its URL carries, or the one the operator registered for its host,
    database and user in IMPROVE_SOURCE_PASSFILE; never the worker's own. These override the
    same options in the URL's query too (``?passfile=/home/worker/.pgpass``)."""
    import psycopg  # here: a capture of SQLite files alone need not load it

    passfile = get_settings().source_passfile
    options = {
        "password": url.password or "",  # given, even empty: PGPASSWORD is not looked at
        "passfile": str(passfile.expanduser()) if passfile else _NO_FILE,
        "sslcert": _NO_FILE,
        "sslkey": _NO_FILE,
        "gssencmode": "disable",
    }
    if psycopg.pq.version() >= 160000:  # libpq 16 can refuse to answer with the process's
        options["require_auth"] = "!gss,!sspi"  # Kerberos or Windows identity
    return options


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    text_ = str(original if original is not None else error).strip().splitlines()
    return text_[0] if text_ else type(error).__name__


def _scrub(message: str, url: URL) -> str:
    return message.replace(str(url.password), "***") if url.password else message
