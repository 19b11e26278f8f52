"""The engine, transactions, and the schema check every command relies on.

SQLite (the embedded default) runs in WAL mode with foreign keys on; write transactions start
with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing half way.
PostgreSQL is used as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from ci_workflow.domain.redact import redact_url
from ci_workflow.errors import StoreNotReady
from ci_workflow.settings import get_settings, keep_private, private_home

if TYPE_CHECKING:
    from sqlmodel import Session

# What the Core reads run in: a session of ``transaction``, or a connection of ``reading``.
Reader: TypeAlias = "Session | Connection"

# The Alembic revision this code expects; tests check it is the head of migrations/.
SCHEMA_REVISION = "0030"

T = TypeVar("T")


# Values bound in one IN (...): far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
IN_CHUNK = 5_000


def in_chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """``values`` in lists small enough for one ``IN (...)``, for lookups of any number."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == IN_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def cached_engine(key: str, create: Callable[[], Engine]) -> Engine:
    """One engine per key and process: the register's, and each metric source's database."""
    with _engines_lock:
        if key not in _engines:
            _engines[key] = create()
        return _engines[key]


def get_engine(url: str | None = None) -> Engine:
    """The engine of a store (default: the configured register)."""
    url = url or get_settings().store_url
    return cached_engine(url, lambda: _create_engine(url))


def register_file(url: str | None = None) -> Path | None:
    """The SQLite file that holds the register; None for a database server."""
    parsed = make_url(url or get_settings().store_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def probe_engine(timeout: int = 5) -> Engine:
    """The register's engine for a look that must not hang (``improve doctor``): a database
    server that does not answer is given up after ``timeout`` seconds. The caller disposes
    of it. SQLite answers at once: its usual engine."""
    url = get_settings().store_url
    if make_url(url).get_backend_name() == "sqlite":
        return get_engine(url)
    return create_engine(url, connect_args={"connect_timeout": timeout})


def _create_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = make_url(url).database
    files: list[Path] = []
    if database and database != ":memory:":
        place = Path(database)
        if place.parent.resolve() == get_settings().home_dir.resolve():
            private_home()
        else:
            place.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        files = [place, place.with_name(f"{place.name}-wal"), place.with_name(f"{place.name}-shm")]
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    _tune_sqlite(engine, files)
    return engine


def _tune_sqlite(engine: Engine, files: list[Path]) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The register holds password hashes and source credentials: its file is its owner's
        # only, from the moment SQLite makes it (empty) and however an older version left it.
        # SQLite makes the -wal and -shm files with the database file's mode.
        for file in files:
            keep_private(file)
        # Take transaction control from pysqlite so BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def schema_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None when it was never initialised. A database that
    cannot be reached is said so, with where and why (the password masked)."""
    try:
        connection = engine.connect()
    except OperationalError as error:
        where = redact_url(engine.url.render_as_string(hide_password=False))
        raise StoreNotReady(
            f"cannot reach the register at {where}: {_reason(error, engine)}"
        ) from None
    try:
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError):
        return None
    finally:
        connection.close()
    return row[0] if row else None


def _reason(error: OperationalError, engine: Engine) -> str:
    reason = str(error.orig or error).strip().splitlines()[0]
    password = engine.url.password
    return reason.replace(str(password), "***") if password else reason


_checked: set[str] = set()


def require_schema(engine: Engine) -> None:
    key = str(engine.url)
    if key in _checked:
        return
    database = register_file(engine.url.render_as_string(hide_password=False))
    # Never create an empty SQLite file by looking: only `improve init` makes the register.
    found = schema_revision(engine) if database is None or database.exists() else None
    if found is None:
        raise StoreNotReady("the register is not initialised: run `improve init`")
    if found != SCHEMA_REVISION:
        raise StoreNotReady(
            f"the register's schema is at {found}, this version needs {SCHEMA_REVISION}: "
            "run `improve init`"
        )
    _checked.add(key)


@contextmanager
def transaction(*, write: bool = True, url: str | None = None) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back whole."""
    from sqlmodel import Session  # on use: ``reading`` alone loads neither the ORM nor pydantic

    engine = get_engine(url)
    require_schema(engine)
    bind = engine.execution_options(sqlite_immediate=True) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            if write:
                session.commit()
            else:
                # Detach what was read before ending the transaction, so callers keep using the
                # objects (a rollback would expire them).
                session.expunge_all()
                session.rollback()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(url: str | None = None) -> Iterator[Connection]:
    """A Core connection for reads through table clauses (``improve list`` and ``improve
    gates``): one transaction, ended without writing anything when the block ends; neither the
    ORM nor pydantic is loaded (a third of those commands' start-up)."""
    engine = get_engine(url)
    require_schema(engine)
    with engine.connect() as connection:  # closing rolls the read transaction back
        yield connection


def execute(reader: Reader, statement: Any) -> Any:
    """A Core statement (``table()``/``column()`` clauses) run in ``reader``. A session is
    flushed first, as the ORM flushes before its own queries: what the caller added in this
    transaction is read back (SQLAlchemy autoflushes before ORM statements only)."""
    if getattr(reader, "autoflush", False):  # a Session; a Connection has nothing to flush
        reader.flush()  # type: ignore[union-attr]
    return reader.execute(statement)


def reset_caches() -> None:
    """Dispose of every engine and forget schema checks (tests switch databases between cases)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _checked.clear()
